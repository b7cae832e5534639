#include "Iod/RgbFrames.h"

#include "Common/ConversionError.h"
#include "Dicom/DicomWriter.h"

#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcpixel.h>

#include <cstring>
#include <memory>

namespace NiftiToDicom
{
  namespace RgbFrames
  {
    void WritePixelDescription(DcmDataset& d)
    {
      DicomWriter::PutUint16(d, DCM_SamplesPerPixel, 3);
      DicomWriter::Put(d, DCM_PhotometricInterpretation, "RGB");
      DicomWriter::PutUint16(d, DCM_PlanarConfiguration, 0);   // RGBRGB..., as NIfTI RGB24 stores it
      DicomWriter::PutUint16(d, DCM_BitsAllocated, 8);
      DicomWriter::PutUint16(d, DCM_BitsStored, 8);
      DicomWriter::PutUint16(d, DCM_HighBit, 7);
      DicomWriter::PutUint16(d, DCM_PixelRepresentation, 0);
    }


    void InsertPixelData(DcmDataset& d, const NiftiVolume& volume, const std::vector<Frame>& frames)
    {
      const size_t rowBytes = static_cast<size_t>(volume.GetWidth()) * 3;
      const size_t total = rowBytes * static_cast<size_t>(volume.GetHeight()) * frames.size();

      std::unique_ptr<DcmPixelData> element(new DcmPixelData(DCM_PixelData));
      element->setVR(EVR_OB);
      Uint8* bytes = nullptr;
      if (element->createUint8Array(static_cast<unsigned long>(total + (total % 2)), bytes).bad())
      {
        throw ConversionError(ErrorKind::Internal, "Cannot allocate the Pixel Data");
      }
      if (total % 2 != 0)
      {
        bytes[total] = 0;   // even length
      }

      NiftiSlice slice;
      for (const Frame& frame : frames)
      {
        volume.ReadSlice(slice, frame.k, frame.t);
        for (int64_t r = 0; r < volume.GetHeight(); r++)
        {
          // DICOM rows run opposite to NIfTI's j axis (see SeriesGeometry)
          memcpy(bytes, slice.GetRow(volume.GetHeight() - 1 - r), rowBytes);
          bytes += rowBytes;
        }
      }
      d.insert(element.release(), true);
    }
  }
}
