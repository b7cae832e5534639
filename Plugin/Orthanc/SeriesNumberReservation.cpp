#include "Orthanc/SeriesNumberReservation.h"

#include "Orthanc/ParentStudyLookup.h"
#include "Orthanc/RestHelpers.h"
#include "Plan/SeriesOptionsBuilder.h"

#include "Common/ConversionError.h"

#include <Logging.h>

#include <chrono>
#include <limits>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

namespace NiftiToDicomPlugin
{
  namespace
  {
    const char* const PLACEHOLDER = "new";
    const unsigned int MAX_ATTEMPTS = 200;

    std::mutex mutex_;
    std::map<std::string, std::multiset<int> > reserved_;   // study -> numbers of this process's imports under way

    bool ParseCounter(int& counter, const std::string& value)
    {
      try
      {
        size_t end = 0;
        const long long parsed = std::stoll(value, &end);
        if (end == value.size() && parsed >= 0 && parsed <= std::numeric_limits<int>::max())
        {
          counter = static_cast<int>(parsed);
          return true;
        }
      }
      catch (std::exception&)
      {
      }
      return false;
    }

    // One more than the counter, skipping numbers in use; the free-number
    // rule of the core when the counter is exhausted
    int Choose(const std::set<int>& inUse, int counter)
    {
      const int candidate = NiftiToDicom::SeriesOptionsBuilder::ChooseFreeSeriesNumber(inUse);
      if (counter == std::numeric_limits<int>::max())
      {
        return candidate;
      }
      int number = std::max(candidate, counter + 1);
      while (inUse.count(number) > 0 && number < std::numeric_limits<int>::max())
      {
        number++;
      }
      return inUse.count(number) > 0 ? candidate : number;
    }

    void Pause(unsigned int attempt)
    {
      static thread_local std::minstd_rand random(std::random_device{}());
      const unsigned int limit = std::min(200u, 5u * attempt);
      std::this_thread::sleep_for(std::chrono::milliseconds(1 + random() % limit));
    }
  }


  int SeriesNumberReservation::ReserveInDatabase(unsigned int metadataIndex, bool settle)
  {
    const std::string uri = "/studies/" + studyId_ + "/metadata/" + std::to_string(metadataIndex);

    std::string settlingEtag;   // the placeholder revision being watched, and since when
    std::chrono::steady_clock::time_point settlingSince;

    for (unsigned int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++)
    {
      std::set<int> inUse = ParentStudyLookup::ReadSeriesNumbers(studyId_);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        const std::multiset<int>& mine = reserved_[studyId_];
        inUse.insert(mine.begin(), mine.end());
      }

      std::string value, etag;
      if (!RestHelpers::GetMetadata(value, etag, uri))
      {
        RestHelpers::PutMetadata(uri, PLACEHOLDER, "");
        continue;
      }

      if (etag.empty())
      {
        // Without revisions there is no compare-and-swap (Orthanc >= 1.9.2 and its index plugins have them)
        throw NiftiToDicom::ConversionError(NiftiToDicom::ErrorKind::Internal,
                                            "Orthanc's index gives no revision of the study's metadata; "
                                            "a SeriesNumber cannot be reserved safely");
      }

      int counter = 0;
      if (value == PLACEHOLDER && settle)
      {
        const auto now = std::chrono::steady_clock::now();
        if (etag != settlingEtag)
        {
          settlingEtag = etag;
          settlingSince = now;
        }
        if (now - settlingSince < std::chrono::seconds(SETTLE_SECONDS))
        {
          std::this_thread::sleep_for(std::chrono::milliseconds(250));
          continue;
        }
      }
      else if (value != PLACEHOLDER && !ParseCounter(counter, value))
      {
        LOG(WARNING) << "NIfTI-to-DICOM: the SeriesNumber counter of study " << studyId_
                     << " holds \"" << value.substr(0, 40) << "\"; it is written again";
      }

      const int number = Choose(inUse, counter);
      if (RestHelpers::PutMetadata(uri, std::to_string(number), etag))
      {
        return number;
      }
      Pause(attempt);   // another node took a number meanwhile
    }

    throw NiftiToDicom::ConversionError(NiftiToDicom::ErrorKind::Unavailable,
                                        "Too many imports into study " + studyId_ + " competed for a SeriesNumber; "
                                        "nothing was stored, try again");
  }


  SeriesNumberReservation::SeriesNumberReservation(const std::string& studyId, unsigned int metadataIndex,
                                                   bool settle) :
    studyId_(studyId),
    number_(1)
  {
    number_ = ReserveInDatabase(metadataIndex, settle);

    std::lock_guard<std::mutex> lock(mutex_);
    reserved_[studyId].insert(number_);
  }


  SeriesNumberReservation::~SeriesNumberReservation()
  {
    std::lock_guard<std::mutex> lock(mutex_);
    std::multiset<int>& reserved = reserved_[studyId_];
    reserved.erase(reserved.find(number_));
    if (reserved.empty())
    {
      reserved_.erase(studyId_);
    }
  }
}
