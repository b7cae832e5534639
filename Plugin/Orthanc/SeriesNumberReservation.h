#pragma once

#include <string>

namespace NiftiToDicomPlugin
{
  // Holds a SeriesNumber that no other series of the study uses, from before
  // the first instance is stored until the import ends. Concurrent imports
  // into one study thus never pick the same number.
  class SeriesNumberReservation
  {
  private:
    std::string studyId_;
    int         number_;

  public:
    // Picks one more than the highest number in use in the study (stored or
    // reserved by an import under way)
    explicit SeriesNumberReservation(const std::string& studyId);

    ~SeriesNumberReservation();

    SeriesNumberReservation(const SeriesNumberReservation&) = delete;
    SeriesNumberReservation& operator=(const SeriesNumberReservation&) = delete;

    int GetNumber() const
    {
      return number_;
    }
  };
}
