#pragma once

#include "Plan/SeriesPlan.h"

#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <string>

class DcmFileFormat;

namespace NiftiToDicom
{
  // Puts values into DCMTK items. DCMTK reports failures as return codes
  // that are easy to drop: here each one becomes a ConversionError(Internal).
  class DicomWriter
  {
  public:
    static void Put(DcmItem& item, const DcmTagKey& tag, const std::string& value);

    // Throws rather than truncating a value outside 0..65535 (a geometry or
    // a label too large for US would otherwise be written wrapped around)
    static void PutUint16(DcmItem& item, const DcmTagKey& tag, int64_t value);

    // Appends a new item to "sequence" of "item" and returns it
    static DcmItem& AppendItem(DcmItem& item, const DcmTagKey& sequence);

    // Appends an item holding CodeValue, CodingSchemeDesignator, CodeMeaning
    static void AddCode(DcmItem& item, const DcmTagKey& sequence, const CodedConcept& code);

    // Little Endian Explicit Part-10 file; Implicit on request, for the
    // values an explicit 16-bit length cannot hold (RT contours over 64 KB)
    static void WritePart10(std::string& target, DcmFileFormat& file,
                            E_TransferSyntax syntax = EXS_LittleEndianExplicit);
  };
}
