#include "Plan/Concatenation.h"

#include "Common/ConversionError.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace NiftiToDicom
{
  Concatenation::Concatenation(int64_t frames, uint64_t frameBytes, uint64_t maximumInstanceBytes,
                               int64_t framesPerVolume) :
    frames_(std::max<int64_t>(0, frames)),
    framesPerPiece_(frames_),
    pieces_(1)
  {
    if (frameBytes == 0 || maximumInstanceBytes == 0 || frames_ == 0 ||
        static_cast<uint64_t>(frames_) <= maximumInstanceBytes / frameBytes)
    {
      return;
    }

    framesPerPiece_ = static_cast<int64_t>(std::max<uint64_t>(1, maximumInstanceBytes / frameBytes));
    if (framesPerVolume > 0 && framesPerPiece_ >= framesPerVolume)
    {
      framesPerPiece_ -= framesPerPiece_ % framesPerVolume;
    }
    pieces_ = (frames_ + framesPerPiece_ - 1) / framesPerPiece_;
    if (pieces_ > MAXIMUM_PIECES)
    {
      throw ConversionError(ErrorKind::TooLarge,
                            "The multi-frame instance would be split into " + std::to_string(pieces_) +
                            " pieces, more than a DICOM concatenation holds (" + std::to_string(MAXIMUM_PIECES) +
                            "); raise the configuration option MaximumInstanceSize");
    }
  }


  int64_t Concatenation::GetFirstFrame(int64_t piece) const
  {
    if (piece < 0 || piece >= pieces_)
    {
      throw std::out_of_range("No such piece of the concatenation");
    }
    return piece * framesPerPiece_;
  }


  int64_t Concatenation::GetFrameCount(int64_t piece) const
  {
    const int64_t first = GetFirstFrame(piece);
    return std::min(framesPerPiece_, frames_ - first);
  }
}
