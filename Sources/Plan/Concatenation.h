#pragma once

#include <cstdint>

namespace NiftiToDicom
{
  // How the frames of one multi-frame object split into the instances of a
  // DICOM concatenation (PS3.3 C.7.6.16.2.2.4), each of bounded size: whole
  // frames only, the same number in every piece but the last; whole volumes
  // when one fits, so that a reader that ignores concatenations (dcm2niix
  // v1.0.20220720 takes each piece for a series of its own) still finds
  // complete 3D volumes in each piece.
  class Concatenation
  {
  private:
    int64_t frames_;
    int64_t framesPerPiece_;
    int64_t pieces_;

  public:
    // In-concatenation Number and Total Number are US: at most this many pieces
    static const int64_t MAXIMUM_PIECES = 65535;

    // "frameBytes" 0 (an IOD never split) or "maximumInstanceBytes" 0 (the
    // option turned off): one piece. A frame larger than the bound is a
    // piece on its own. Throws ConversionError(TooLarge) beyond
    // MAXIMUM_PIECES, naming the option MaximumInstanceSize. "framesPerVolume"
    // (the slices of a 4D series; 0: no volumes) makes a piece hold whole
    // volumes when at least one fits.
    Concatenation(int64_t frames, uint64_t frameBytes, uint64_t maximumInstanceBytes, int64_t framesPerVolume = 0);

    int64_t GetPieceCount() const
    {
      return pieces_;
    }

    // More than one piece: the instances carry the concatenation attributes
    bool IsSplit() const
    {
      return pieces_ > 1;
    }

    // 0-based index in the whole object of the first frame of "piece"
    // (Concatenation Frame Offset Number)
    int64_t GetFirstFrame(int64_t piece) const;

    int64_t GetFrameCount(int64_t piece) const;
  };
}
