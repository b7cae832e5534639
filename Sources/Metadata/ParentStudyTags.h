#pragma once

#include <dcmtk/dcmdata/dcdatset.h>

#include <memory>
#include <mutex>
#include <string>

namespace NiftiToDicom
{
  // The Patient and Study modules of the parent study, taken verbatim from
  // one of its DICOM instances and converted to UTF-8, so that the derived
  // series files into the same patient and study in any PACS.
  class ParentStudyTags
  {
  private:
    std::unique_ptr<DcmDataset> tags_;
    // DCMTK's element lists keep an internal cursor even when read: the
    // conversion threads must take turns.
    std::unique_ptr<std::mutex> mutex_;
    std::string studyInstanceUid_;

  public:
    // Parses a DICOM file (Part 10) of the parent study.
    // Throws ConversionError if it cannot be parsed or has no StudyInstanceUID.
    static ParentStudyTags FromDicomFile(const void* data, size_t size);

    ParentStudyTags(ParentStudyTags&&) = default;
    ParentStudyTags& operator=(ParentStudyTags&&) = default;

    const std::string& GetStudyInstanceUid() const
    {
      return studyInstanceUid_;
    }

    // Value of one copied attribute ("" when absent), UTF-8
    std::string GetString(const DcmTagKey& tag) const;

    // Inserts copies of every copied attribute into "target"
    void CopyTo(DcmItem& target) const;

    // Whether "tag" belongs to the copied Patient/Study modules; such tags
    // must not be overridden, or the series would leave the study.
    static bool IsPatientOrStudyTag(const DcmTagKey& tag);

  private:
    ParentStudyTags() :
      mutex_(new std::mutex)
    {
    }
  };
}
