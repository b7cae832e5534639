#pragma once

#include "Plan/SeriesPlan.h"

#include <dcmtk/dcmdata/dcitem.h>

#include <string>

class DcmDataset;
class DcmFileFormat;

namespace NiftiToDicom
{
  // What every IOD of the plugin writes the same way
  class DicomBuilder
  {
  public:
    static void Put(DcmItem& item, const DcmTagKey& tag, const std::string& value);

    static void PutUint16(DcmItem& item, const DcmTagKey& tag, int64_t value);

    // Appends an item holding CodeValue, CodingSchemeDesignator, CodeMeaning
    static void AddCode(DcmItem& item, const DcmTagKey& sequence, const CodedConcept& code);

    // Appends a new item to a sequence of "item" and returns it
    static DcmItem& AppendItem(DcmItem& item, const DcmTagKey& sequence);

    // SOP Common, the parent's Patient and Study modules, General Series,
    // Frame of Reference, General Equipment, the references to the source
    // series (Common Instance Reference), DerivationDescription
    static void AddCommonModules(DcmDataset& dataset, const SeriesPlan& plan, const char* sopClassUid,
                                 const char* modality);

    // SourceImageSequence items for the images of the reference series that
    // "slice" comes from: the nearest one along the normal when the series
    // share their frame of reference, else all of them (slice < 0: all)
    static void AddSourceImages(DcmItem& item, const SeriesPlan& plan, int64_t slice);

    // Little Endian Explicit Part-10 file
    static void WritePart10(std::string& target, DcmFileFormat& file);
  };
}
