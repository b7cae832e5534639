// Checks shared by the IOD tests: the modules several IODs have, read from a
// file DCMTK parsed back, against the values IodTestVolumes.h predicts.

#pragma once

#include "IodTestVolumes.h"

#include <dcmtk/dcmdata/dcfilefo.h>

#include <string>
#include <vector>

namespace IodTest
{
  void ExpectDecimals(const std::vector<double>& expected, DcmItem& item, const DcmTagKey& tag, double tolerance);

  // Null when absent
  DcmItem* GetItem(DcmItem& item, const DcmTagKey& sequence, int index = 0);

  unsigned long CountItems(DcmItem& item, const DcmTagKey& sequence);

  // SOP Common, Patient and General Study (from the parent), General Series,
  // Frame of Reference and General Equipment: what every IOD has
  void CheckCommonModules(DcmFileFormat& file, const Series& series, const char* sopClassUid, const char* modality,
                          bool hasFrameOfReference);

  void CheckGrayscalePixelModule(DcmDataset& d, Uint16 bitsAllocated);

  void CheckRgbPixelModule(DcmDataset& d);

  // The 16-bit pixels of "frames" frames, as real values (rescale applied)
  std::vector<double> DecodeRealPixels(DcmDataset& d, double slope, double intercept, size_t frames);

  // The functional groups of a multi-frame instance whose frame f shows
  // slice slices[f], with the Dimension Index Values dimensionIndexValues[f]
  void CheckFunctionalGroups(DcmDataset& d, const std::vector<int64_t>& slices,
                             const std::vector<std::string>& dimensionIndexValues, unsigned long dimensions);

  // Frames of a non-segmentation multi-frame IOD: every slice of every time
  // point, time-major, indexed stack (1), slice[, temporal position]
  void ListVolumeFrames(std::vector<int64_t>& slices, std::vector<int64_t>& timePoints,
                        std::vector<std::string>& dimensionIndexValues, int64_t nt);

  // The RGB bytes of "frames" frames; frame f shows slice slices[f] of time point timePoints[f]
  void CheckRgbPixels(DcmDataset& d, const std::vector<int64_t>& slices, const std::vector<int64_t>& timePoints);
}
