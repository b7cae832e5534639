#include <OrthancFramework.h>

#include <gtest/gtest.h>

int main(int argc, char** argv)
{
  // Loads DCMTK's data dictionary, which TagOverrides and ParentStudyTags need
  Orthanc::InitializeFramework("", false);

  ::testing::InitGoogleTest(&argc, argv);
  const int result = RUN_ALL_TESTS();

  Orthanc::FinalizeFramework();
  return result;
}
