// A whole import after the request: the bytes of a .nii or .nii.gz become a
// volume, then a series of the output type picked by the input's last byte,
// written into a sink that discards it. The parent is pydicom's MR_small.
#include "FuzzSupport.h"

#include "Conversion/SeriesConverter.h"
#include "Nifti/NiftiVolume.h"
#include "Request/OutputRequest.h"

#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>

namespace
{
  // The volumes a fuzzer makes are small; a bound well below the plugin's
  // default keeps each run fast while leaving room for gzip bombs to show
  const size_t MAX_VOLUME_BYTES = 64 << 20;

  const char* const TYPES[] = { "Classic", "ParametricMap", "Segmentation", "EnhancedMR", "SecondaryCapture", "" };

  class DiscardingSink : public NiftiToDicom::IInstanceSink
  {
  public:
    void Store(const std::string& dicomFile, int64_t index, int64_t count) override
    {
      if (dicomFile.size() < 132 || dicomFile.compare(128, 4, "DICM") != 0)
      {
        throw std::logic_error("The core wrote something that is not a DICOM Part-10 file");
      }
    }
  };

  std::unique_ptr<NiftiToDicom::ParentStudyTags> parent_;
}


extern "C" int LLVMFuzzerInitialize(int*, char***)
{
  NiftiToDicomFuzz::InitializeOnce();
  std::ifstream file(PYDICOM_TEST_FILES "/MR_small.dcm", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  parent_.reset(new NiftiToDicom::ParentStudyTags(NiftiToDicom::ParentStudyTags::FromDicomFile(bytes.data(),
                                                                                               bytes.size())));
  return 0;
}


extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
  if (size < 2)
  {
    return 0;
  }

  // The last byte chooses what to build, so that the NIfTI stays at offset 0
  const uint8_t selector = data[size - 1];
  std::string nifti(reinterpret_cast<const char*>(data), size - 1);

  NiftiToDicomFuzz::ExpectRefusalsOnly([&]()
  {
    const NiftiToDicom::NiftiVolume volume(std::move(nifti), MAX_VOLUME_BYTES);

    Json::Value request(Json::objectValue);
    const char* type = TYPES[selector % (sizeof(TYPES) / sizeof(TYPES[0]))];
    if (type[0] != '\0')
    {
      request["Type"] = type;
    }
    if (selector & 0x40)
    {
      request["DoublePrecision"] = true;
    }

    NiftiToDicom::SeriesOptions options;
    options.modality = (selector & 0x80) ? NiftiToDicom::Modality::CT : NiftiToDicom::Modality::MR;
    NiftiToDicom::OutputRequest::Parse(request).ApplyTo(options, volume.GetHeader());

    DiscardingSink sink;
    NiftiToDicom::SeriesConverter::Convert(volume, *parent_, std::move(options), sink);
  });
  return 0;
}
