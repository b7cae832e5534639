#include "Dicom/DicomWriter.h"

#include "Common/ConversionError.h"
#include "Common/LargeBuffer.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcostrmb.h>

#include <cstring>

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


  namespace
  {
    // Writes the meta header and the dataset at the start of "target"
    // (resized to at least "reserve" more bytes than they need); returns
    // their length
    size_t WriteDataset(std::string& target, DcmFileFormat& file, E_TransferSyntax syntax, uint64_t reserve)
    {
      file.validateMetaInfo(syntax);

      // The computed length is exact once the meta header is filled in;
      // the slack only covers group-length recalculation.
      const size_t bound = file.calcElementLength(syntax, EET_ExplicitLength) + 1024;
      ReserveLargeBuffer(target, bound + reserve);
      target.resize(bound + reserve);
      DcmOutputBufferStream stream(&target[0], bound);

      file.transferInit();
      const OFCondition status = file.write(stream, syntax, EET_ExplicitLength, nullptr,
                                            EGL_recalcGL, EPD_withoutPadding);
      file.transferEnd();
      if (status.bad())
      {
        throw ConversionError(ErrorKind::Internal, std::string("Cannot write a DICOM instance: ") + status.text());
      }

      stream.flush();
      return static_cast<size_t>(stream.tell());
    }

    void PutLittleEndian(uint8_t* target, uint32_t value, size_t bytes)
    {
      for (size_t i = 0; i < bytes; i++)
      {
        target[i] = static_cast<uint8_t>(value >> (8 * i));
      }
    }
  }


  void DicomWriter::WritePart10(std::string& target, DcmFileFormat& file, E_TransferSyntax syntax)
  {
    target.resize(WriteDataset(target, file, syntax, 0));
  }


  void DicomWriter::WritePart10(std::string& target, DcmFileFormat& file, const PixelElement& pixels,
                                const PixelFiller& fill)
  {
    if ((pixels.vr != EVR_OB && pixels.vr != EVR_OW && pixels.vr != EVR_OF && pixels.vr != EVR_OD) ||
        pixels.bytes % 2 != 0 || pixels.bytes > 0xFFFFFFFEu)
    {
      throw ConversionError(ErrorKind::Internal, "Cannot write a pixel element of " + std::to_string(pixels.bytes) +
                            " bytes with VR " + DcmVR(pixels.vr).getVRName());
    }

    // Appended after the dataset: nothing of the dataset may sort after it
    DcmDataset& dataset = *file.getDataset();
    if (dataset.card() > 0 && !(dataset.getElement(dataset.card() - 1)->getTag() < pixels.tag))
    {
      throw ConversionError(ErrorKind::Internal, std::string("Cannot append ") + pixels.tag.toString().c_str() +
                            " after " + dataset.getElement(dataset.card() - 1)->getTag().toString().c_str());
    }

    // Explicit VR Little Endian: tag, VR, 2 reserved bytes, 32-bit length
    const size_t HEADER = 12;
    const size_t length = WriteDataset(target, file, EXS_LittleEndianExplicit, HEADER + pixels.bytes);
    uint8_t* element = reinterpret_cast<uint8_t*>(&target[length]);
    const char* vr = DcmVR(pixels.vr).getVRName();
    PutLittleEndian(element, pixels.tag.getGroup(), 2);
    PutLittleEndian(element + 2, pixels.tag.getElement(), 2);
    element[4] = static_cast<uint8_t>(vr[0]);
    element[5] = static_cast<uint8_t>(vr[1]);
    PutLittleEndian(element + 6, 0, 2);
    PutLittleEndian(element + 8, static_cast<uint32_t>(pixels.bytes), 4);
    fill(element + HEADER);
    target.resize(length + HEADER + static_cast<size_t>(pixels.bytes));
  }
}
