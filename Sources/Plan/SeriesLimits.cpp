#include "Plan/SeriesLimits.h"

#include "Common/ConversionError.h"

#include <string>

namespace NiftiToDicom
{
  namespace
  {
    ConversionError Exceeds(const std::string& what, const std::string& actual, const char* option,
                            const std::string& limit)
    {
      return ConversionError(ErrorKind::TooLarge,
                             what + " (" + actual + ") exceeds the configuration option " + option + " (" + limit +
                             "); raise the option, or send a smaller file or request");
    }

    std::string Megabytes(uint64_t bytes)
    {
      return std::to_string((bytes + 1024 * 1024 - 1) / (1024 * 1024)) + " MB";
    }
  }


  void SeriesLimits::CheckInstances(int64_t slices, int64_t timePoints) const
  {
    // Divides rather than multiplies: the product of header fields may overflow
    if (slices > 0 && timePoints > 0 && timePoints > maximumInstances / slices)
    {
      throw Exceeds("The number of instances of the series", std::to_string(slices) + " slices x " +
                    std::to_string(timePoints) + " time points", "MaximumInstances",
                    std::to_string(maximumInstances));
    }
  }


  void SeriesLimits::CheckFrames(int64_t frames) const
  {
    if (frames > maximumFrames)
    {
      throw Exceeds("The number of frames of the instance", std::to_string(frames) + (frames == maximumFrames + 1 ?
                    " or more" : ""), "MaximumFrames", std::to_string(maximumFrames));
    }
  }


  void SeriesLimits::CheckSegments(int64_t segments) const
  {
    if (segments > maximumSegments)
    {
      throw Exceeds("The number of labels of the label map (one segment each)", std::to_string(segments) +
                    (segments == maximumSegments + 1 ? " or more" : ""), "MaximumSegments",
                    std::to_string(maximumSegments));
    }
  }


  void SeriesLimits::CheckSegmentationBytes(uint64_t bytes) const
  {
    if (bytes > maximumSegmentationBytes)
    {
      throw Exceeds("The Pixel Data of the Segmentation", "about " + Megabytes(bytes), "MaximumSegmentationSize",
                    Megabytes(maximumSegmentationBytes));
    }

    // DICOM's length field has 32 bits, and 0xFFFFFFFF means "undefined"
    if (bytes > 0xFFFFFFFEull)
    {
      throw ConversionError(ErrorKind::TooLarge,
                            "The Pixel Data of the Segmentation (about " + Megabytes(bytes) + ") exceeds the 4 GB "
                            "that a DICOM element can hold; split the label map");
    }
  }


  void SeriesLimits::CheckTags(const Json::Value& tags) const
  {
    if (!tags.isObject())
    {
      return;
    }

    const size_t count = tags.size();
    size_t bytes = 0;
    for (Json::Value::const_iterator it = tags.begin(); it != tags.end(); ++it)
    {
      bytes += it.name().size() + (it->isString() ? it->asString().size() : 32);   // numbers are short
    }

    if (count > maximumTags)
    {
      throw Exceeds("The number of \"Tags\"", std::to_string(count), "MaximumTags", std::to_string(maximumTags));
    }
    if (bytes > maximumTagsBytes)
    {
      throw Exceeds("The size of \"Tags\", copied into every instance", std::to_string(bytes) + " bytes",
                    "MaximumTagsSize", std::to_string(maximumTagsBytes / 1024) + " KB");
    }
  }
}
