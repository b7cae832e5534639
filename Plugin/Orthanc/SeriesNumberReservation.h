#pragma once

#include <string>

namespace NiftiToDicomPlugin
{
  // Holds a SeriesNumber that no other series of the study uses, from before
  // the first instance is stored until the import ends. Concurrent imports
  // into one study thus never pick the same number, on one Orthanc or on
  // several sharing one database.
  //
  // Across nodes, the numbers handed out are counted in a metadata of the
  // study (index NiftiToDicom.SeriesNumberMetadata), advanced by a
  // compare-and-swap: a PUT with "If-Match" on the revision read, which
  // Orthanc's index (SQLite or PostgreSQL) checks and writes in one
  // transaction; a conflict means another node took a number meanwhile, so
  // read and try again. The number taken is the larger of "one more than
  // the counter" and "one more than the highest number stored in the study
  // or reserved in this process": numbers given by hand are respected, and
  // numbers are not reused within a study (there may be gaps).
  //
  // Orthanc cannot create a metadata "only if absent": a creation ignores
  // If-Match. So the counter is first created with the placeholder "new",
  // and, when other nodes may write into the same index, no node advances it
  // before it has seen that placeholder unchanged for SETTLE_SECONDS: by
  // then, every node that saw the counter absent has written its own
  // placeholder (a GET then a PUT take milliseconds), and no late
  // placeholder can wipe a number handed out. The first import into a study
  // thus waits about two seconds on several nodes. A single Orthanc needs no
  // wait: the numbers its own imports hold are also kept in this process.
  class SeriesNumberReservation
  {
  private:
    std::string studyId_;
    int         number_;

    int ReserveInDatabase(unsigned int metadataIndex, bool settle);

  public:
    static constexpr unsigned int SETTLE_SECONDS = 2;

    // "settle": other Orthanc nodes may write into the same index
    SeriesNumberReservation(const std::string& studyId, unsigned int metadataIndex, bool settle);

    ~SeriesNumberReservation();

    SeriesNumberReservation(const SeriesNumberReservation&) = delete;
    SeriesNumberReservation& operator=(const SeriesNumberReservation&) = delete;

    int GetNumber() const
    {
      return number_;
    }
  };
}
