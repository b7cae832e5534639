#pragma once

#include "Common/ConversionError.h"
#include "Conversion/SeriesConverter.h"
#include "Metadata/ParentStudyTags.h"

#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcistrmb.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace NiftiTest
{
  inline std::string ToLower(const std::string& s)
  {
    std::string result = s;
    std::transform(result.begin(), result.end(), result.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return result;
  }

  // Runs "statement", which must throw a ConversionError of the given kind
  // whose message contains "word" (case-insensitive)
  template <typename Statement>
  ::testing::AssertionResult ThrowsConversionError(Statement statement, NiftiToDicom::ErrorKind kind,
                                                   const std::string& word)
  {
    try
    {
      statement();
    }
    catch (const NiftiToDicom::ConversionError& e)
    {
      if (e.GetKind() != kind)
      {
        return ::testing::AssertionFailure()
          << "ConversionError of kind " << NiftiToDicom::ConversionError::KindName(e.GetKind())
          << " instead of " << NiftiToDicom::ConversionError::KindName(kind) << ": " << e.what();
      }
      if (ToLower(e.what()).find(ToLower(word)) == std::string::npos)
      {
        return ::testing::AssertionFailure() << "the message does not contain \"" << word << "\": " << e.what();
      }
      return ::testing::AssertionSuccess();
    }
    catch (const std::exception& e)
    {
      return ::testing::AssertionFailure() << "another exception: " << e.what();
    }
    return ::testing::AssertionFailure() << "no exception";
  }


  // DICOM files of pydicom's test suite, used as parent studies
  const char* const MR_SMALL = PYDICOM_TEST_FILES "/MR_small.dcm";
  const char* const CT_SMALL = PYDICOM_TEST_FILES "/CT_small.dcm";

  inline std::string ReadFile(const std::string& path)
  {
    std::ifstream stream(path.c_str(), std::ios::binary);
    std::ostringstream content;
    content << stream.rdbuf();
    return content.str();
  }

  // Parses a Part-10 file held in memory, independently of the code under test
  inline std::unique_ptr<DcmFileFormat> ParseDicom(const std::string& buffer)
  {
    DcmInputBufferStream stream;
    stream.setBuffer(buffer.data(), static_cast<offile_off_t>(buffer.size()));
    stream.setEos();

    std::unique_ptr<DcmFileFormat> file(new DcmFileFormat);
    file->transferInit();
    const OFCondition status = file->read(stream);
    file->transferEnd();
    if (status.bad())
    {
      ADD_FAILURE() << "DCMTK cannot parse the instance: " << status.text();
      return nullptr;
    }
    return file;
  }

  // The value of an attribute as DCMTK prints it (values joined by '\'), "<absent>" when missing
  inline std::string GetString(DcmItem& item, const DcmTagKey& tag)
  {
    OFString value;
    if (item.findAndGetOFStringArray(tag, value).good())
    {
      return value.c_str();
    }
    return "<absent>";
  }

  inline std::vector<double> GetDecimals(DcmItem& item, const DcmTagKey& tag)
  {
    std::vector<double> values;
    const std::string s = GetString(item, tag);
    if (s == "<absent>")
    {
      return values;
    }
    std::istringstream stream(s);
    std::string part;
    while (std::getline(stream, part, '\\'))
    {
      values.push_back(strtod(part.c_str(), nullptr));
    }
    return values;
  }

  inline Uint16 GetUint16(DcmItem& item, const DcmTagKey& tag)
  {
    Uint16 value = 0;
    EXPECT_TRUE(item.findAndGetUint16(tag, value).good()) << tag.toString().c_str();
    return value;
  }

  inline NiftiToDicom::ParentStudyTags LoadParent(const char* path)
  {
    const std::string file = ReadFile(path);
    if (file.empty())
    {
      throw std::runtime_error(std::string("Cannot read ") + path);
    }
    return NiftiToDicom::ParentStudyTags::FromDicomFile(file.data(), file.size());
  }

  // Keeps every instance of a conversion (one thread), parsed by DCMTK, and
  // the bytes as they were written
  class CollectingSink : public NiftiToDicom::IInstanceSink
  {
  public:
    std::vector<std::unique_ptr<DcmFileFormat> > files;
    std::vector<std::string> buffers;
    std::vector<int64_t> indexes;
    std::vector<int64_t> counts;
    std::vector<size_t> sizes;

    void Store(const std::string& dicomFile, int64_t index, int64_t count) override
    {
      indexes.push_back(index);
      counts.push_back(count);
      sizes.push_back(dicomFile.size());
      buffers.push_back(dicomFile);
      files.push_back(ParseDicom(dicomFile));
    }

    DcmDataset& Get(size_t i)
    {
      return *files.at(i)->getDataset();
    }
  };
}

#define EXPECT_CONVERSION_ERROR(statement, kind, word)                  \
  EXPECT_TRUE(::NiftiTest::ThrowsConversionError([&]() { statement; }, \
                                                 ::NiftiToDicom::ErrorKind::kind, word))
