#include "Dicom/DicomUid.h"
#include "Dicom/DicomValues.h"
#include "TestHelpers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>
#include <set>

using namespace NiftiToDicom;

namespace
{
  // PS3.5 6.2: DS is [+-]digits[.digits][(E|e)[+-]digits], at most 16 bytes
  bool IsValidDecimalString(const std::string& s)
  {
    if (s.empty() || s.size() > 16)
    {
      return false;
    }
    size_t i = 0;
    if (s[i] == '+' || s[i] == '-')
    {
      i++;
    }
    size_t digits = 0;
    while (i < s.size() && isdigit(static_cast<unsigned char>(s[i])))
    {
      i++;
      digits++;
    }
    if (i < s.size() && s[i] == '.')
    {
      i++;
      while (i < s.size() && isdigit(static_cast<unsigned char>(s[i])))
      {
        i++;
        digits++;
      }
    }
    if (digits == 0)
    {
      return false;
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E'))
    {
      i++;
      if (i < s.size() && (s[i] == '+' || s[i] == '-'))
      {
        i++;
      }
      size_t exponentDigits = 0;
      while (i < s.size() && isdigit(static_cast<unsigned char>(s[i])))
      {
        i++;
        exponentDigits++;
      }
      if (exponentDigits == 0)
      {
        return false;
      }
    }
    return i == s.size();
  }

  void CheckDecimal(double value)
  {
    const std::string s = DicomValues::FormatDecimal(value);
    EXPECT_TRUE(IsValidDecimalString(s)) << value << " -> \"" << s << "\"";

    // Independent parse: the value read back is close to the original
    const double back = strtod(s.c_str(), nullptr);
    EXPECT_LE(std::fabs(back - value), 1e-8 * std::fabs(value)) << value << " -> \"" << s << "\"";
    EXPECT_EQ(back, DicomValues::RoundTripDecimal(value)) << value;
  }

  // Decodes UTF-8 into code points; false when malformed
  bool DecodeUtf8(std::vector<uint32_t>& codePoints, const std::string& s)
  {
    codePoints.clear();
    size_t i = 0;
    while (i < s.size())
    {
      const unsigned char c = static_cast<unsigned char>(s[i]);
      size_t length;
      uint32_t cp;
      if (c < 0x80)
      {
        length = 1;
        cp = c;
      }
      else if ((c & 0xE0) == 0xC0)
      {
        length = 2;
        cp = c & 0x1F;
      }
      else if ((c & 0xF0) == 0xE0)
      {
        length = 3;
        cp = c & 0x0F;
      }
      else if ((c & 0xF8) == 0xF0)
      {
        length = 4;
        cp = c & 0x07;
      }
      else
      {
        return false;
      }
      if (i + length > s.size())
      {
        return false;
      }
      for (size_t j = 1; j < length; j++)
      {
        const unsigned char d = static_cast<unsigned char>(s[i + j]);
        if ((d & 0xC0) != 0x80)
        {
          return false;
        }
        cp = (cp << 6) | (d & 0x3F);
      }
      codePoints.push_back(cp);
      i += length;
    }
    return true;
  }
}


TEST(DicomValues, FormatDecimalSimpleValues)
{
  EXPECT_EQ("0", DicomValues::FormatDecimal(0));
  EXPECT_EQ("0", DicomValues::FormatDecimal(-0.0));
  EXPECT_EQ("1", DicomValues::FormatDecimal(1));
  EXPECT_EQ("-1", DicomValues::FormatDecimal(-1));
  EXPECT_EQ("0.5", DicomValues::FormatDecimal(0.5));
  EXPECT_EQ("-1024", DicomValues::FormatDecimal(-1024));
  EXPECT_EQ("123456", DicomValues::FormatDecimal(123456));
  EXPECT_EQ("2.5", DicomValues::FormatDecimal(2.5));
  EXPECT_EQ(0.7, strtod(DicomValues::FormatDecimal(0.7).c_str(), nullptr));
  EXPECT_EQ(-23.9, strtod(DicomValues::FormatDecimal(-23.9).c_str(), nullptr));
}


TEST(DicomValues, FormatDecimalWideRange)
{
  int count = 0;
  for (double magnitude = 1e-300; magnitude < 1e300; magnitude *= 7.3)
  {
    for (double mantissa : { 1.0, 1.0 / 3.0, 2.0 / 3.0, 0.123456789012345678, 0.999999999999, 0.5000000001 })
    {
      const double value = magnitude * mantissa;
      CheckDecimal(value);
      CheckDecimal(-value);
      count += 2;
    }
  }
  EXPECT_GT(count, 4000);
}


TEST(DicomValues, FormatDecimalRandomValues)
{
  std::mt19937_64 generator(42);
  std::uniform_real_distribution<double> exponent(-300, 300);
  std::uniform_real_distribution<double> mantissa(-10, 10);
  for (int i = 0; i < 20000; i++)
  {
    CheckDecimal(mantissa(generator) * std::pow(10.0, exponent(generator)));
  }

  // The ranges real coordinates and rescale values live in
  std::uniform_real_distribution<double> mm(-1000, 1000);
  for (int i = 0; i < 20000; i++)
  {
    const double value = mm(generator);
    CheckDecimal(value);
    // 16 characters leave room for at least 12 significant digits here
    EXPECT_NEAR(value, DicomValues::RoundTripDecimal(value), 1e-9);
  }
}


TEST(DicomValues, FormatDecimalIntegers)
{
  for (int64_t v : { int64_t(7), int64_t(-32768), int64_t(65535), int64_t(999999999999999),
                     int64_t(-999999999999999), int64_t(1234567890123456) })
  {
    SCOPED_TRACE(v);
    const std::string s = DicomValues::FormatDecimal(static_cast<double>(v));
    EXPECT_TRUE(IsValidDecimalString(s)) << s;
    if (std::llabs(v) < 1000000000000000LL)
    {
      EXPECT_EQ(std::to_string(v), s);   // exact, no exponent
    }
    else
    {
      CheckDecimal(static_cast<double>(v));
    }
  }

  CheckDecimal(static_cast<double>(std::numeric_limits<int64_t>::max()));
  CheckDecimal(-1e300);
  CheckDecimal(1e308);
  CheckDecimal(-1.7e308);
  CheckDecimal(std::numeric_limits<double>::min());
  CheckDecimal(-std::numeric_limits<double>::min());
}


TEST(DicomValues, FormatDecimalNonFinite)
{
  // No DS can carry them: a silent "0" would store a wrong value, so the
  // callers must check first
  EXPECT_CONVERSION_ERROR(DicomValues::FormatDecimal(std::numeric_limits<double>::quiet_NaN()), Internal,
                          "non-finite");
  EXPECT_CONVERSION_ERROR(DicomValues::FormatDecimal(std::numeric_limits<double>::infinity()), Internal,
                          "non-finite");
  EXPECT_CONVERSION_ERROR(DicomValues::FormatDecimals({ 1, -std::numeric_limits<double>::infinity() }), Internal,
                          "non-finite");
}


TEST(DicomValues, FormatDecimalNearDoubleMaxReadsBackFinite)
{
  // "%.10g" of DBL_MAX rounds up to 1.797693135e+308, which reads back as Inf
  for (double value : { std::numeric_limits<double>::max(), -std::numeric_limits<double>::max(),
                        std::nextafter(std::numeric_limits<double>::max(), 0.0), 1.7976931348e308 })
  {
    const std::string s = DicomValues::FormatDecimal(value);
    EXPECT_TRUE(IsValidDecimalString(s)) << s;
    EXPECT_TRUE(std::isfinite(strtod(s.c_str(), nullptr))) << s;
    EXPECT_NEAR(value, DicomValues::RoundTripDecimal(value), 1e300);
  }
  // Subnormals read back non-zero
  EXPECT_NE(0.0, DicomValues::RoundTripDecimal(std::numeric_limits<double>::denorm_min()));
  EXPECT_NE(0.0, DicomValues::RoundTripDecimal(1e-320));
}


TEST(DicomValues, FormatDecimals)
{
  EXPECT_EQ("1.3\\0.7", DicomValues::FormatDecimals({ 1.3, 0.7 }));
  EXPECT_EQ("", DicomValues::FormatDecimals({}));
  EXPECT_EQ("-1\\0\\0\\0\\1\\0", DicomValues::FormatDecimals({ -1, 0, -0.0, 0, 1, 0 }));
}


TEST(DicomValues, FormatDateTime)
{
  std::tm t = std::tm();
  t.tm_year = 2023 - 1900;
  t.tm_mon = 0;
  t.tm_mday = 5;
  t.tm_hour = 7;
  t.tm_min = 8;
  t.tm_sec = 9;
  EXPECT_EQ("20230105", DicomValues::FormatDate(t));
  EXPECT_EQ("070809", DicomValues::FormatTime(t));
}


TEST(DicomValues, TruncateUtf8KeepsWholeCharacters)
{
  // 1, 2, 3 and 4-byte characters: "aü€😀b"
  const std::string text = "a\xc3\xbc\xe2\x82\xac\xf0\x9f\x98\x80" "b";
  std::vector<uint32_t> all;
  ASSERT_TRUE(DecodeUtf8(all, text));
  ASSERT_EQ(5u, all.size());

  for (size_t n = 0; n <= 7; n++)
  {
    SCOPED_TRACE(n);
    const std::string cut = DicomValues::TruncateUtf8(text, n);
    std::vector<uint32_t> codePoints;
    EXPECT_TRUE(DecodeUtf8(codePoints, cut)) << "split inside a character";
    EXPECT_EQ(std::min<size_t>(n, 5), codePoints.size());
    EXPECT_EQ(0u, text.compare(0, cut.size(), cut)) << "not a prefix";
  }

  EXPECT_EQ("a\xc3\xbc", DicomValues::TruncateUtf8(text, 2));
  EXPECT_EQ("M\xc3\xbcller", DicomValues::TruncateUtf8("M\xc3\xbcller^J\xc3\xbcrgen", 6));
}


TEST(DicomValues, TruncateUtf8LongStrings)
{
  // 100 three-byte characters cut to the 64 of an LO value
  std::string text;
  for (int i = 0; i < 100; i++)
  {
    text += "\xe6\x97\xa5";   // U+65E5
  }
  const std::string cut = DicomValues::TruncateUtf8(text, 64);
  EXPECT_EQ(192u, cut.size());
  std::vector<uint32_t> codePoints;
  EXPECT_TRUE(DecodeUtf8(codePoints, cut));
  EXPECT_EQ(64u, codePoints.size());

  EXPECT_EQ(text, DicomValues::TruncateUtf8(text, 100));
  EXPECT_EQ(text, DicomValues::TruncateUtf8(text, 1000));
  EXPECT_EQ("", DicomValues::TruncateUtf8(text, 0));

  // Random mixtures of character lengths
  std::mt19937 generator(3);
  const char* const pieces[] = { "x", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80" };
  for (int round = 0; round < 200; round++)
  {
    std::string s;
    const size_t characters = generator() % 40;
    for (size_t i = 0; i < characters; i++)
    {
      s += pieces[generator() % 4];
    }
    const size_t n = generator() % 45;
    const std::string c = DicomValues::TruncateUtf8(s, n);
    std::vector<uint32_t> points;
    ASSERT_TRUE(DecodeUtf8(points, c)) << "round " << round;
    EXPECT_EQ(std::min(n, characters), points.size());
    EXPECT_EQ(0u, s.compare(0, c.size(), c));
  }
}


TEST(DicomUid, GeneratedUidsAreValidAndUnique)
{
  std::set<std::string> seen;
  for (int i = 0; i < 5000; i++)
  {
    const std::string uid = DicomUid::Generate();
    ASSERT_LE(uid.size(), 64u) << uid;
    ASSERT_EQ(0u, uid.compare(0, 5, "2.25.")) << uid;
    ASSERT_TRUE(DicomUid::IsValid(uid)) << uid;

    // Independent check: digits and dots, no empty component, no leading zero
    size_t start = 0;
    for (size_t p = 0; p <= uid.size(); p++)
    {
      if (p == uid.size() || uid[p] == '.')
      {
        ASSERT_GT(p, start) << uid;
        ASSERT_FALSE(p - start > 1 && uid[start] == '0') << uid;
        start = p + 1;
      }
      else
      {
        ASSERT_TRUE(uid[p] >= '0' && uid[p] <= '9') << uid;
      }
    }

    seen.insert(uid);
  }
  EXPECT_EQ(5000u, seen.size());
}


TEST(DicomUid, IsValid)
{
  EXPECT_TRUE(DicomUid::IsValid("1.2.840.10008.5.1.4.1.1.4"));
  EXPECT_TRUE(DicomUid::IsValid("0"));
  EXPECT_TRUE(DicomUid::IsValid("1.0.2"));
  EXPECT_TRUE(DicomUid::IsValid("2.25.0"));
  EXPECT_TRUE(DicomUid::IsValid("1." + std::string(62, '9')));   // exactly 64

  EXPECT_FALSE(DicomUid::IsValid(""));
  EXPECT_FALSE(DicomUid::IsValid("1.02.3"));      // leading zero
  EXPECT_FALSE(DicomUid::IsValid("01.2"));
  EXPECT_FALSE(DicomUid::IsValid("1..2"));        // empty component
  EXPECT_FALSE(DicomUid::IsValid(".1.2"));
  EXPECT_FALSE(DicomUid::IsValid("1.2."));
  EXPECT_FALSE(DicomUid::IsValid("1.2.a"));       // letters
  EXPECT_FALSE(DicomUid::IsValid("1.2.3e4"));
  EXPECT_FALSE(DicomUid::IsValid("1.2 .3"));
  EXPECT_FALSE(DicomUid::IsValid("1.2.3\n"));
  EXPECT_FALSE(DicomUid::IsValid("1." + std::string(63, '9')));   // 65 characters
}


namespace
{
  // RFC 3629: no overlong forms, no surrogates, nothing beyond U+10FFFF
  bool IsStrictUtf8(const std::string& s)
  {
    std::vector<uint32_t> codePoints;
    if (!DecodeUtf8(codePoints, s))
    {
      return false;
    }
    size_t offset = 0;
    for (uint32_t cp : codePoints)
    {
      const size_t length = (static_cast<unsigned char>(s[offset]) < 0x80) ? 1 :
        ((static_cast<unsigned char>(s[offset]) & 0xE0) == 0xC0) ? 2 :
        ((static_cast<unsigned char>(s[offset]) & 0xF0) == 0xE0) ? 3 : 4;
      const size_t shortest = (cp < 0x80) ? 1 : (cp < 0x800) ? 2 : (cp < 0x10000) ? 3 : 4;
      if (length != shortest || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
      {
        return false;
      }
      offset += length;
    }
    return true;
  }
}


TEST(DicomValues, ToValidUtf8)
{
  // Valid UTF-8 (and ASCII) is kept as is
  for (const char* s : { "", "FSL5.0", "M\xc3\xbcller^J\xc3\xbcrgen", "\xe2\x82\xac 5", "\xf0\x9f\x98\x80",
                         "\xef\xbf\xbd", "\xf4\x8f\xbf\xbf" })
  {
    EXPECT_EQ(s, DicomValues::ToValidUtf8(s));
  }

  // Latin-1 (as NIfTI writers put in descrip) is converted
  EXPECT_EQ("M\xc3\xbcller^J\xc3\xbcrgen", DicomValues::ToValidUtf8("M\xfcller^J\xfcrgen"));
  EXPECT_EQ("Sch\xc3\xa4" "del \xc2\xb5m", DicomValues::ToValidUtf8("Sch\xe4" "del \xb5m"));
  EXPECT_EQ("\xc3\xbf", DicomValues::ToValidUtf8("\xff"));
}


TEST(DicomValues, ToValidUtf8AlwaysGivesValidUtf8)
{
  // Overlong forms, surrogates, code points beyond U+10FFFF, cut sequences
  for (const char* s : { "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xe0\x9f\xbf", "\xed\xa0\x80", "\xed\xbf\xbf",
                         "\xf0\x80\x80\xaf", "\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80",
                         "a\xe2\x82", "\xe2\x82\xac\xe2" })
  {
    SCOPED_TRACE(s);
    EXPECT_TRUE(IsStrictUtf8(DicomValues::ToValidUtf8(s)));
  }

  std::mt19937 generator(5);
  for (int round = 0; round < 5000; round++)
  {
    std::string s(generator() % 12, '\0');
    for (char& c : s)
    {
      // Mostly bytes that start or continue multi-byte sequences
      c = static_cast<char>((generator() % 4 == 0) ? (generator() & 0x7f) : (0x80 | (generator() & 0x7f)));
    }
    const std::string converted = DicomValues::ToValidUtf8(s);
    ASSERT_TRUE(IsStrictUtf8(converted)) << "round " << round;
    if (IsStrictUtf8(s))
    {
      ASSERT_EQ(s, converted);
    }
  }
}
