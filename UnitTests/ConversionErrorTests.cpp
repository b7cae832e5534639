#include "Common/ConversionError.h"

#include <gtest/gtest.h>

using namespace NiftiToDicom;

// A saved job keeps its error kind by name: every kind must come back as itself after a
// restart (a 503 must not turn into a 500), and an unknown name must not pass for a client error
TEST(ConversionError, EveryKindSurvivesItsName)
{
  for (ErrorKind kind : { ErrorKind::InvalidInput, ErrorKind::Unsupported, ErrorKind::TooLarge,
                          ErrorKind::UnknownResource, ErrorKind::Forbidden, ErrorKind::Conflict,
                          ErrorKind::Unavailable, ErrorKind::Internal })
  {
    EXPECT_EQ(kind, ConversionError::ParseKind(ConversionError::KindName(kind))) << ConversionError::KindName(kind);
  }
  EXPECT_STREQ("Conflict", ConversionError::KindName(ErrorKind::Conflict));
  EXPECT_STREQ("Unavailable", ConversionError::KindName(ErrorKind::Unavailable));
  EXPECT_EQ(ErrorKind::Internal, ConversionError::ParseKind("NoSuchKind"));
  EXPECT_EQ(ErrorKind::Internal, ConversionError::ParseKind(""));
}
