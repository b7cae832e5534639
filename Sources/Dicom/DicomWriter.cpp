#include "Dicom/DicomWriter.h"

#include "Common/ConversionError.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcostrmb.h>

namespace NiftiToDicom
{
  void DicomWriter::Put(DcmItem& item, const DcmTagKey& tag, const std::string& value)
  {
    const OFCondition status = item.putAndInsertString(tag, value.c_str());
    if (status.bad())
    {
      throw ConversionError(ErrorKind::Internal, std::string("Cannot set DICOM attribute ") +
                            tag.toString().c_str() + ": " + status.text());
    }
  }


  void DicomWriter::PutUint16(DcmItem& item, const DcmTagKey& tag, int64_t value)
  {
    if (value < 0 || value > 65535)
    {
      throw ConversionError(ErrorKind::Internal, "Cannot set DICOM attribute " + std::string(tag.toString().c_str()) +
                            " to " + std::to_string(value) + ": out of the range of an unsigned 16-bit value");
    }

    const OFCondition status = item.putAndInsertUint16(tag, static_cast<Uint16>(value));
    if (status.bad())
    {
      throw ConversionError(ErrorKind::Internal, std::string("Cannot set DICOM attribute ") +
                            tag.toString().c_str() + ": " + status.text());
    }
  }


  DcmItem& DicomWriter::AppendItem(DcmItem& item, const DcmTagKey& sequence)
  {
    DcmItem* created = nullptr;
    if (item.findOrCreateSequenceItem(sequence, created, -2 /* append */).bad() || created == nullptr)
    {
      throw ConversionError(ErrorKind::Internal, std::string("Cannot create an item of ") +
                            sequence.toString().c_str());
    }
    return *created;
  }


  void DicomWriter::AddCode(DcmItem& item, const DcmTagKey& sequence, const CodedConcept& code)
  {
    DcmItem& codeItem = AppendItem(item, sequence);
    Put(codeItem, DCM_CodeValue, code.value);
    Put(codeItem, DCM_CodingSchemeDesignator, code.scheme);
    Put(codeItem, DCM_CodeMeaning, code.meaning);
  }


  void DicomWriter::WritePart10(std::string& target, DcmFileFormat& file, E_TransferSyntax syntax)
  {
    file.validateMetaInfo(syntax);

    // The computed length is exact once the meta header is filled in;
    // the slack only covers group-length recalculation.
    target.resize(file.calcElementLength(syntax, EET_ExplicitLength) + 1024);
    DcmOutputBufferStream stream(&target[0], target.size());

    file.transferInit();
    const OFCondition status = file.write(stream, syntax, EET_ExplicitLength, nullptr,
                                          EGL_recalcGL, EPD_withoutPadding);
    file.transferEnd();
    if (status.bad())
    {
      throw ConversionError(ErrorKind::Internal, std::string("Cannot write a DICOM instance: ") + status.text());
    }

    stream.flush();
    target.resize(static_cast<size_t>(stream.tell()));
  }
}
