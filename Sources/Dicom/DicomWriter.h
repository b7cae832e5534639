#pragma once

#include "Plan/SeriesPlan.h"

#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <cstdint>
#include <functional>
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

    // A pixel element (OB, OW, OF or OD: a 32-bit length) of "bytes" bytes
    struct PixelElement
    {
      DcmTagKey  tag;
      DcmEVR     vr;
      uint64_t   bytes;
    };

    // Receives the address where the element's "bytes" bytes go
    typedef std::function<void(uint8_t* target)> PixelFiller;

    // Little Endian Explicit Part-10 file of "file" followed by "pixels",
    // whose value "fill" writes straight into "target": the same bytes as
    // the element inserted into the dataset, without DCMTK's copy of the
    // pixels nor the copy of that copy into "target". The element must come
    // last, after every element of the dataset.
    static void WritePart10(std::string& target, DcmFileFormat& file, const PixelElement& pixels,
                            const PixelFiller& fill);
  };
}
