#include "Iod/SegmentationIod.h"

#include <gtest/gtest.h>

using namespace NiftiToDicom;

namespace
{
  struct Expected
  {
    uint8_t  rgb[3];
    double   lab[3];   // CIELab (D65) of the sRGB colour, from the published formulas
  };

  // Back from DICOM's scaled values (PS3.3 C.10.7.1.1) to L*, a*, b*
  void Unscale(double lab[3], const Uint16 scaled[3])
  {
    lab[0] = scaled[0] * 100.0 / 65535.0;
    lab[1] = scaled[1] * 255.0 / 65535.0 - 128.0;
    lab[2] = scaled[2] * 255.0 / 65535.0 - 128.0;
  }
}


TEST(SegmentationIod, RgbToScaledCieLab)
{
  const Expected colours[] =
  {
    { { 0, 0, 0 }, { 0, 0, 0 } },
    { { 255, 255, 255 }, { 100, 0, 0 } },
    { { 255, 0, 0 }, { 53.2408, 80.0925, 67.2032 } },
    { { 0, 255, 0 }, { 87.7347, -86.1827, 83.1793 } },
    { { 0, 0, 255 }, { 32.2970, 79.1875, -107.8602 } },
    { { 128, 128, 128 }, { 53.5850, 0, 0 } }
  };

  for (const Expected& colour : colours)
  {
    SCOPED_TRACE(std::to_string(colour.rgb[0]) + "," + std::to_string(colour.rgb[1]) + "," +
                 std::to_string(colour.rgb[2]));
    Uint16 scaled[3];
    SegmentationIod::RgbToScaledCieLab(scaled, colour.rgb);
    double lab[3];
    Unscale(lab, scaled);
    for (int i = 0; i < 3; i++)
    {
      // DCMTK's D65 white point and sRGB matrix differ from the published ones
      // in the fourth digit: up to 7 steps of the scaled value, 0.03 in a*
      // or b*, far below a visible difference (about 1)
      EXPECT_NEAR(colour.lab[i], lab[i], 0.03) << "component " << i;
    }
  }
}
