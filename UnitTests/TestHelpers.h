#pragma once

#include "Common/ConversionError.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>

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
}

#define EXPECT_CONVERSION_ERROR(statement, kind, word)                  \
  EXPECT_TRUE(::NiftiTest::ThrowsConversionError([&]() { statement; }, \
                                                 ::NiftiToDicom::ErrorKind::kind, word))
