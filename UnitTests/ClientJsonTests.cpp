#include "Common/ClientJson.h"

#include <gtest/gtest.h>

using namespace NiftiToDicom;

namespace
{
  std::string Nested(unsigned int depth, char open, char close)
  {
    return std::string(depth, open) + std::string(depth, close);
  }
}


TEST(ClientJson, MeasuresNestingOutsideStrings)
{
  const std::string flat = "{\"a\": 1, \"b\": \"[[[{{{\"}";
  EXPECT_EQ(1u, ClientJson::MeasureDepth(flat.data(), flat.data() + flat.size(), 64));

  const std::string escaped = "[\"\\\"[[[\", [1, {\"x\": [2]}]]";
  EXPECT_EQ(4u, ClientJson::MeasureDepth(escaped.data(), escaped.data() + escaped.size(), 64));

  const std::string empty;
  EXPECT_EQ(0u, ClientJson::MeasureDepth(empty.data(), empty.data(), 64));
}


TEST(ClientJson, StopsCountingPastTheLimit)
{
  const std::string deep = Nested(100000, '[', ']');
  EXPECT_EQ(11u, ClientJson::MeasureDepth(deep.data(), deep.data() + deep.size(), 10));
}


TEST(ClientJson, AcceptsTheMaximumDepth)
{
  Json::Value value;
  std::string error;
  EXPECT_TRUE(ClientJson::Parse(value, error, Nested(ClientJson::MAX_DEPTH, '[', ']'), "The body"));
  EXPECT_TRUE(value.isArray());
  EXPECT_TRUE(error.empty());
}


TEST(ClientJson, RefusesDeeperDocumentsBeforeParsing)
{
  // Deep enough to overflow a small thread stack in a recursive parser
  for (const std::string& text : { Nested(ClientJson::MAX_DEPTH + 1, '[', ']'),
                                   Nested(200, '{', '}'),
                                   "{\"Nifti\": \"\", \"Tags\": " + Nested(300000, '[', ']') + "}",
                                   std::string(300000, '[') })
  {
    Json::Value value;
    std::string error;
    EXPECT_FALSE(ClientJson::Parse(value, error, text, "The sidecar"));
    EXPECT_NE(std::string::npos, error.find("The sidecar nests arrays or objects more than 64 levels deep"));
  }
}


TEST(ClientJson, IsStrict)
{
  for (const std::string& text : { std::string("{\"a\": 1, \"a\": 2}"), std::string("{\"a\": 1} x"),
                                   std::string("// c\n{}"), std::string("{\"a\": }"), std::string("") })
  {
    Json::Value value(123);
    std::string error;
    EXPECT_FALSE(ClientJson::Parse(value, error, text, "The request body")) << text;
    EXPECT_EQ(0u, error.find("The request body is not valid JSON: ")) << text;
    EXPECT_EQ(123, value.asInt()) << "target unchanged on failure";
  }
}
