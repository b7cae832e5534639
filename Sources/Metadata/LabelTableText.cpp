#include "Metadata/LabelTable.h"

#include "Common/ConversionError.h"
#include "Common/SplitString.h"
#include "Dicom/DicomValues.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <sstream>

// The text forms of "Labels". The format is recognised from the first line
// that is neither empty nor a comment, since file names are not sent along
// with inline text (and an upload's name may lie).
namespace NiftiToDicom
{
  namespace
  {
    const char* const DSEG = "BIDS dseg.tsv";
    const char* const LUT = "FreeSurfer or 3D Slicer colour table";
    const char* const ITKSNAP = "ITK-SNAP label description";
    const char* const SLICER_CSV = "3D Slicer colour table (CSV)";

    class LineError
    {
    private:
      const char* format_;

    public:
      explicit LineError(const char* format) :
        format_(format)
      {
      }

      ConversionError operator()(size_t line, const std::string& why) const
      {
        return ConversionError(ErrorKind::InvalidInput, "\"Labels\": line " + std::to_string(line) + " of the " +
                               format_ + ": " + why);
      }
    };


    std::string Trim(const std::string& s)
    {
      const size_t begin = s.find_first_not_of(" \t\r");
      if (begin == std::string::npos)
      {
        return "";
      }
      return s.substr(begin, s.find_last_not_of(" \t\r") - begin + 1);
    }


    std::string Lower(std::string s)
    {
      std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
      return s;
    }


    std::vector<std::string> SplitWhitespace(const std::string& s)
    {
      std::vector<std::string> tokens;
      std::istringstream stream(s);
      std::string token;
      while (stream >> token)
      {
        tokens.push_back(token);
      }
      return tokens;
    }


    // A whole number from "min" to "max", or false
    bool ParseInteger(long& result, const std::string& text, long min, long max)
    {
      if (text.empty() || text.size() > 9 || (!std::isdigit(static_cast<unsigned char>(text[0])) && text[0] != '-'))
      {
        return false;
      }
      char* end = nullptr;
      result = strtol(text.c_str(), &end, 10);
      return *end == '\0' && result >= min && result <= max;
    }


    struct Table
    {
      const char*  format;
      LineError    error;
      LabelTable   table;

      explicit Table(const char* f) :
        format(f),
        error(f)
      {
        table.format = f;
      }

      long ParseIndex(size_t line, const std::string& text) const
      {
        long index;
        if (!ParseInteger(index, text, 0, 65535))
        {
          throw error(line, "the index \"" + DicomValues::TruncateUtf8(text, 20) +
                      "\" is not a label value (a whole number from 0 to 65535)");
        }
        return index;
      }

      uint8_t ParseComponent(size_t line, const std::string& text, const char* name) const
      {
        long value;
        if (!ParseInteger(value, text, 0, 255))
        {
          throw error(line, std::string("the ") + name + " value \"" + DicomValues::TruncateUtf8(text, 20) +
                      "\" is not a whole number from 0 to 255");
        }
        return static_cast<uint8_t>(value);
      }

      // Background (0) names no segment and is left out
      void Add(size_t line, long index, const std::string& rawName, const uint8_t* color)
      {
        const std::string name = Trim(rawName);
        if (name.empty())
        {
          throw error(line, "the label " + std::to_string(index) + " has no name");
        }
        for (char c : name)
        {
          if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F || c == '\\')
          {
            throw error(line, "the name holds a backslash or a control character, which a DICOM name (LO) "
                        "does not allow");
          }
        }
        if (index == 0)
        {
          return;
        }
        if (table.labels.count(index) > 0)
        {
          throw error(line, "the label " + std::to_string(index) + " is given twice");
        }
        SegmentLabel label;
        label.name = DicomValues::TruncateUtf8(name, 64);   // a SegmentLabel is LO
        if (color != nullptr)
        {
          std::copy(color, color + 3, label.color);
          label.hasColor = true;
        }
        table.labels[index] = label;
      }
    };


    typedef std::vector<std::pair<size_t, std::string> > Lines;   // line number, text without comment lines


    // index name R G B [A] (FreeSurferColorLUT.txt, Slicer's .ctbl/.txt);
    // as FreeSurfer's own reader, what follows A is left aside
    LabelTable ParseLut(const Lines& lines)
    {
      Table t(LUT);
      for (const auto& line : lines)
      {
        std::vector<std::string> tokens = SplitWhitespace(line.second);
        if (tokens.size() < 5)
        {
          throw t.error(line.first, "expected \"index name R G B A\" (fields separated by spaces, a name without "
                        "spaces), found " + std::to_string(tokens.size()) + " field(s)");
        }
        const long index = t.ParseIndex(line.first, tokens[0]);
        uint8_t color[3];
        color[0] = t.ParseComponent(line.first, tokens[2], "red");
        color[1] = t.ParseComponent(line.first, tokens[3], "green");
        color[2] = t.ParseComponent(line.first, tokens[4], "blue");
        if (tokens.size() >= 6)
        {
          t.ParseComponent(line.first, tokens[5], "alpha");   // checked, not kept: DICOM has no opacity here
        }
        t.Add(line.first, index, tokens[1], color);
      }
      return t.table;
    }


    // IDX -R- -G- -B- -A-- VIS MSH "LABEL" (ITK-SNAP's label description)
    LabelTable ParseItkSnap(const Lines& lines)
    {
      Table t(ITKSNAP);
      for (const auto& line : lines)
      {
        const size_t open = line.second.find('"');
        const size_t close = line.second.rfind('"');
        if (open == std::string::npos || close == open || !Trim(line.second.substr(close + 1)).empty())
        {
          throw t.error(line.first, "expected IDX R G B A VIS MSH \"LABEL\", the name between double quotes "
                        "at the end of the line");
        }
        const std::vector<std::string> tokens = SplitWhitespace(line.second.substr(0, open));
        if (tokens.size() != 7)
        {
          throw t.error(line.first, "expected 7 numbers (IDX R G B A VIS MSH) before the quoted name, found " +
                        std::to_string(tokens.size()));
        }
        const long index = t.ParseIndex(line.first, tokens[0]);
        uint8_t color[3];
        color[0] = t.ParseComponent(line.first, tokens[1], "red");
        color[1] = t.ParseComponent(line.first, tokens[2], "green");
        color[2] = t.ParseComponent(line.first, tokens[3], "blue");
        char* end = nullptr;
        const double alpha = strtod(tokens[4].c_str(), &end);
        if (*end != '\0' || !(alpha >= 0 && alpha <= 1))
        {
          throw t.error(line.first, "the opacity \"" + DicomValues::TruncateUtf8(tokens[4], 20) +
                        "\" is not a number from 0 to 1");
        }
        long flag;
        if (!ParseInteger(flag, tokens[5], 0, 1) || !ParseInteger(flag, tokens[6], 0, 1))
        {
          throw t.error(line.first, "the visibility and mesh flags must be 0 or 1");
        }
        t.Add(line.first, index, line.second.substr(open + 1, close - open - 1), color);
      }
      return t.table;
    }


    int HexDigit(char c)
    {
      if (c >= '0' && c <= '9') return c - '0';
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    }


    // index, name, abbreviation, color (#RRGGBB), ... with a header line
    // (BIDS: "Common image-derived labels", dseg.tsv); "n/a" for no value
    LabelTable ParseDseg(const Lines& lines)
    {
      Table t(DSEG);
      const std::vector<std::string> header = SplitString(lines.front().second, '\t');
      int indexColumn = -1, nameColumn = -1, colorColumn = -1;
      for (size_t i = 0; i < header.size(); i++)
      {
        const std::string column = Lower(Trim(header[i]));
        if (column == "index") indexColumn = static_cast<int>(i);
        if (column == "name") nameColumn = static_cast<int>(i);
        if (column == "color") colorColumn = static_cast<int>(i);
      }
      if (indexColumn < 0 || nameColumn < 0)
      {
        throw t.error(lines.front().first, "the header line must name the columns \"index\" and \"name\" "
                      "(and may name \"abbreviation\", \"color\"), separated by tabs");
      }

      for (size_t l = 1; l < lines.size(); l++)
      {
        const size_t number = lines[l].first;
        const std::vector<std::string> fields = SplitString(lines[l].second, '\t');
        if (fields.size() != header.size())
        {
          throw t.error(number, "found " + std::to_string(fields.size()) + " tab-separated column(s), the header "
                        "line has " + std::to_string(header.size()));
        }
        const long index = t.ParseIndex(number, Trim(fields[indexColumn]));
        const std::string color = (colorColumn < 0) ? "n/a" : Trim(fields[colorColumn]);
        uint8_t rgb[3];
        const bool hasColor = (color != "n/a" && !color.empty());
        if (hasColor)
        {
          bool valid = (color.size() == 7 && color[0] == '#');
          for (int c = 0; valid && c < 3; c++)
          {
            const int high = HexDigit(color[1 + 2 * c]);
            const int low = HexDigit(color[2 + 2 * c]);
            valid = (high >= 0 && low >= 0);
            rgb[c] = static_cast<uint8_t>(high * 16 + low);
          }
          if (!valid)
          {
            throw t.error(number, "the color \"" + DicomValues::TruncateUtf8(color, 20) +
                          "\" is not of the form #RRGGBB (hexadecimal) or n/a");
          }
        }
        t.Add(number, index, fields[nameColumn], hasColor ? rgb : nullptr);
      }
      return t.table;
    }


    // Fields separated by commas, a field between double quotes may hold
    // commas and "" for a quote
    bool SplitCsv(std::vector<std::string>& fields, const std::string& line)
    {
      fields.clear();
      std::string field;
      bool quoted = false;
      for (size_t i = 0; i < line.size(); i++)
      {
        const char c = line[i];
        if (quoted)
        {
          if (c == '"' && i + 1 < line.size() && line[i + 1] == '"')
          {
            field += '"';
            i++;
          }
          else if (c == '"')
          {
            quoted = false;
          }
          else
          {
            field += c;
          }
        }
        else if (c == '"')
        {
          quoted = true;
        }
        else if (c == ',')
        {
          fields.push_back(field);
          field.clear();
        }
        else
        {
          field += c;
        }
      }
      fields.push_back(field);
      return !quoted;
    }


    // LabelValue,Name,Color_R,Color_G,Color_B,Color_A[,...] (3D Slicer's
    // .csv colour table), colours 0-255
    LabelTable ParseSlicerCsv(const Lines& lines)
    {
      Table t(SLICER_CSV);
      std::vector<std::string> header;
      SplitCsv(header, lines.front().second);
      int columns[5] = { -1, -1, -1, -1, -1 };
      const char* const names[5] = { "labelvalue", "name", "color_r", "color_g", "color_b" };
      for (size_t i = 0; i < header.size(); i++)
      {
        for (int n = 0; n < 5; n++)
        {
          if (Lower(Trim(header[i])) == names[n])
          {
            columns[n] = static_cast<int>(i);
          }
        }
      }
      for (int n = 0; n < 5; n++)
      {
        if (columns[n] < 0)
        {
          throw t.error(lines.front().first, std::string("the header has no column \"") + names[n] +
                        "\" (expected LabelValue,Name,Color_R,Color_G,Color_B,Color_A)");
        }
      }

      std::vector<std::string> fields;
      for (size_t l = 1; l < lines.size(); l++)
      {
        const size_t number = lines[l].first;
        if (!SplitCsv(fields, lines[l].second))
        {
          throw t.error(number, "a double quote is not closed");
        }
        if (fields.size() != header.size())
        {
          throw t.error(number, "found " + std::to_string(fields.size()) + " comma-separated column(s), the "
                        "header line has " + std::to_string(header.size()));
        }
        const long index = t.ParseIndex(number, Trim(fields[columns[0]]));
        uint8_t color[3];
        color[0] = t.ParseComponent(number, Trim(fields[columns[2]]), "red");
        color[1] = t.ParseComponent(number, Trim(fields[columns[3]]), "green");
        color[2] = t.ParseComponent(number, Trim(fields[columns[4]]), "blue");
        t.Add(number, index, fields[columns[1]], color);
      }
      return t.table;
    }
  }


  LabelTable LabelTable::ParseText(const std::string& text)
  {
    if (text.size() > MAX_TEXT_BYTES)
    {
      throw ConversionError(ErrorKind::TooLarge, "\"Labels\": the table has " + std::to_string(text.size()) +
                            " bytes, more than the " + std::to_string(MAX_TEXT_BYTES / (1024 * 1024)) +
                            " MB a label table may have");
    }
    if (DicomValues::ToValidUtf8(text) != text)
    {
      throw ConversionError(ErrorKind::InvalidInput, "\"Labels\": the table is not UTF-8 text; save it as UTF-8");
    }

    // The lines that say something, numbered from 1 as an editor shows them
    Lines lines;
    size_t number = 0;
    for (const std::string& raw : SplitString(text, '\n'))
    {
      number++;
      std::string line = raw;
      if (number == 1 && line.compare(0, 3, "\xEF\xBB\xBF") == 0)   // byte order mark
      {
        line = line.substr(3);
      }
      if (!line.empty() && line.back() == '\r')
      {
        line.pop_back();
      }
      const std::string trimmed = Trim(line);
      if (!trimmed.empty() && trimmed[0] != '#')
      {
        lines.push_back(std::make_pair(number, line));
      }
    }
    if (lines.empty())
    {
      throw ConversionError(ErrorKind::InvalidInput,
                            "\"Labels\": the table is empty; give a BIDS dseg.tsv, a FreeSurfer or 3D Slicer colour "
                            "table, an ITK-SNAP label description, \"FreeSurfer\", or a JSON object");
    }

    const std::string first = Lower(lines.front().second);
    LabelTable table;
    if (first.find('\t') != std::string::npos && first.find("index") != std::string::npos &&
        first.find("name") != std::string::npos && !std::isdigit(static_cast<unsigned char>(Trim(first)[0])))
    {
      table = ParseDseg(lines);
      if (table.labels.empty() && lines.size() == 1)
      {
        throw ConversionError(ErrorKind::InvalidInput, "\"Labels\": the dseg.tsv has a header line but no labels");
      }
    }
    else if (first.compare(0, 10, "labelvalue") == 0 && first.find(',') != std::string::npos)
    {
      table = ParseSlicerCsv(lines);
    }
    else if (first.find('"') != std::string::npos)
    {
      table = ParseItkSnap(lines);
    }
    else
    {
      table = ParseLut(lines);
    }

    if (table.labels.empty())
    {
      throw ConversionError(ErrorKind::InvalidInput, std::string("\"Labels\": the ") + table.format +
                            " names only the background (0): it has no labels");
    }
    return table;
  }
}
