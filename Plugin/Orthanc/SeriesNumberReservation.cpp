#include "Orthanc/SeriesNumberReservation.h"

#include "Orthanc/ParentStudyLookup.h"
#include "Plan/SeriesOptionsBuilder.h"

#include <map>
#include <mutex>
#include <set>

namespace NiftiToDicomPlugin
{
  namespace
  {
    std::mutex mutex_;
    std::map<std::string, std::multiset<int> > reserved_;   // study -> numbers of imports under way
  }


  SeriesNumberReservation::SeriesNumberReservation(const std::string& studyId) :
    studyId_(studyId),
    number_(1)
  {
    std::lock_guard<std::mutex> lock(mutex_);

    // Read under the lock: an import that released its reservation has
    // stored its series by then, so its number is in the database.
    std::set<int> inUse = ParentStudyLookup::ReadSeriesNumbers(studyId);
    const std::multiset<int>& reserved = reserved_[studyId];
    inUse.insert(reserved.begin(), reserved.end());

    number_ = NiftiToDicom::SeriesOptionsBuilder::ChooseFreeSeriesNumber(inUse);
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
