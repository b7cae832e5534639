#include "Common/ConversionError.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

using namespace NiftiToDicom;

// A saved job keeps its error kind by name: every kind must come back as itself after a
// restart (a 503 must not turn into a 500), and an unknown name must not pass for a client error
TEST(ConversionError, EveryKindSurvivesItsName)
{
  for (ErrorKind kind : { ErrorKind::InvalidInput, ErrorKind::Unsupported, ErrorKind::TooLarge,
                          ErrorKind::UnknownResource, ErrorKind::Forbidden, ErrorKind::Conflict,
                          ErrorKind::Unavailable, ErrorKind::InsufficientStorage, ErrorKind::Internal })
  {
    EXPECT_EQ(kind, ConversionError::ParseKind(ConversionError::KindName(kind))) << ConversionError::KindName(kind);
  }
  EXPECT_STREQ("Conflict", ConversionError::KindName(ErrorKind::Conflict));
  EXPECT_STREQ("Unavailable", ConversionError::KindName(ErrorKind::Unavailable));
  EXPECT_EQ(ErrorKind::Internal, ConversionError::ParseKind("NoSuchKind"));
  EXPECT_EQ(ErrorKind::Internal, ConversionError::ParseKind(""));
}


// /dev/full answers every write with ENOSPC, as a full disk does: that is the client's 507 (retry once the
// administrator frees space), where any other failed write is the server's own 500
TEST(ConversionError, FullDiskIsInsufficientStorage)
{
  const int fd = open("/dev/full", O_WRONLY);
  ASSERT_GE(fd, 0);
  const char byte = 'x';
  const ssize_t written = write(fd, &byte, 1);
  const int error = errno;
  close(fd);
  ASSERT_EQ(-1, written);
  EXPECT_EQ(ErrorKind::InsufficientStorage, ConversionError::KindOfWriteError(error));
  EXPECT_EQ(ErrorKind::InsufficientStorage, ConversionError::KindOfWriteError(EDQUOT));

  EXPECT_EQ(-1, write(-1, &byte, 1));
  EXPECT_EQ(ErrorKind::Internal, ConversionError::KindOfWriteError(errno));   // EBADF
  EXPECT_EQ(ErrorKind::Internal, ConversionError::KindOfWriteError(EIO));
}
