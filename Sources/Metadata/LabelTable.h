#pragma once

#include "Plan/SeriesOptions.h"

#include <json/value.h>

#include <cstdint>
#include <map>
#include <string>

namespace NiftiToDicom
{
  // The names, colours and codes of the segments, by label value: what
  // "Labels" gives, in one of its forms (the inline JSON object, the
  // built-in "FreeSurfer" table, or the text of a BIDS dseg.tsv, a
  // FreeSurfer or 3D Slicer colour table, an ITK-SNAP label description).
  // SEG and RTSTRUCT read the same table.
  struct LabelTable
  {
    // A table is small; a bigger text is a mistake (or an attack)
    static constexpr size_t MAX_TEXT_BYTES = 4 * 1024 * 1024;

    std::string                      format;   // for the client: which form was read
    std::map<int64_t, SegmentLabel>  labels;   // label value (1-65535) -> label; 0 is background

    // "Labels" of a request: an object, "FreeSurfer", or a table's text.
    // Throws ConversionError(InvalidInput) saying what is wrong (for a
    // text table: which line, and why)
    static LabelTable Parse(const Json::Value& labels);

    // The text of a table, its format recognised by its content
    static LabelTable ParseText(const std::string& text);

    // The inline JSON object
    static LabelTable ParseObject(const Json::Value& labels);

    // Whether "Labels" names an upload (POST /nifti/uploads IDs: 32
    // lowercase hexadecimal digits), which the plugin reads in its place
    static bool IsUploadId(const std::string& value);

    // {"Format", "Labels": [{"Index", "Name", "Color": [r, g, b],
    // "Category", "Type", "Modifier"}]}, what the import will use
    Json::Value ToJson() const;
  };
}
