#include "Orthanc/SeriesRouter.h"

#include "Orthanc/OrthancPeers.h"
#include "Orthanc/RestHelpers.h"

#include "Common/ConversionError.h"

#include <DicomNetworking/DicomAssociationParameters.h>
#include <DicomNetworking/DicomStoreUserConnection.h>
#include <DicomNetworking/RemoteModalityParameters.h>
#include <Logging.h>
#include <OrthancException.h>

#include <memory>

namespace NiftiToDicomPlugin
{
  using NiftiToDicom::ConversionError;
  using NiftiToDicom::ErrorKind;

  namespace
  {
    Json::Value ReadModalities()
    {
      Json::Value modalities;
      if (!RestHelpers::GetJson(modalities, "/modalities?expand") || !modalities.isObject())
      {
        throw ConversionError(ErrorKind::Internal, "Cannot read the list of DICOM modalities");
      }
      return modalities;
    }

    Json::Value Result(const char* type, const std::string& name)
    {
      Json::Value result(Json::objectValue);
      result["Type"] = type;
      result["Name"] = name;
      result["Success"] = false;
      return result;
    }

    std::string ReadInstance(const std::string& instance)
    {
      std::string dicom;
      if (!RestHelpers::GetDicomForInstance(dicom, instance))
      {
        throw ConversionError(ErrorKind::Internal, "Instance " + instance + " disappeared before it could be sent");
      }
      return dicom;
    }

    void SendToModality(const std::vector<std::string>& instances, const Json::Value& modality,
                        const PluginConfiguration& configuration)
    {
      const Orthanc::RemoteModalityParameters remote(modality);
      Orthanc::DicomAssociationParameters parameters(configuration.GetLocalAet(), remote);
      parameters.SetTimeout(configuration.GetScuTimeout());
      Orthanc::DicomStoreUserConnection connection(parameters);

      for (const std::string& instance : instances)
      {
        const std::string dicom = ReadInstance(instance);
        std::string sopClassUid, sopInstanceUid;
        connection.Store(sopClassUid, sopInstanceUid, dicom.data(), dicom.size(), false, "", 0);
      }
    }

    void SendToPeer(const std::vector<std::string>& instances, const OrthancPeers& peers, uint32_t index)
    {
      for (const std::string& instance : instances)
      {
        peers.StoreInstance(index, ReadInstance(instance));
      }
    }
  }


  void SeriesRouter::CheckDestinations(const NiftiToDicom::SendTo& sendTo)
  {
    if (!sendTo.modalities.empty())
    {
      const Json::Value modalities = ReadModalities();
      for (const std::string& name : sendTo.modalities)
      {
        if (!modalities.isMember(name))
        {
          throw ConversionError(ErrorKind::InvalidInput,
                                "\"SendTo\": Orthanc knows no DICOM modality \"" + name +
                                "\"; declare it in DicomModalities (see GET /modalities)");
        }
      }
    }

    if (!sendTo.peers.empty())
    {
      const OrthancPeers peers;
      for (const std::string& name : sendTo.peers)
      {
        uint32_t index;
        if (!peers.Lookup(index, name))
        {
          throw ConversionError(ErrorKind::InvalidInput,
                                "\"SendTo\": Orthanc knows no peer \"" + name +
                                "\"; declare it in OrthancPeers (see GET /peers)");
        }
      }
    }
  }


  Json::Value SeriesRouter::Send(const std::vector<std::string>& instances, const NiftiToDicom::SendTo& sendTo,
                                 const PluginConfiguration& configuration)
  {
    Json::Value results(Json::arrayValue);

    if (!sendTo.modalities.empty())
    {
      Json::Value modalities;
      try
      {
        modalities = ReadModalities();
      }
      catch (std::exception&)
      {
        modalities = Json::Value(Json::objectValue);
      }

      for (const std::string& name : sendTo.modalities)
      {
        Json::Value result = Result("Modality", name);
        try
        {
          if (!modalities.isMember(name))
          {
            throw ConversionError(ErrorKind::InvalidInput, "no such modality is declared any more");
          }
          SendToModality(instances, modalities[name], configuration);
          result["Success"] = true;
        }
        catch (Orthanc::OrthancException& e)
        {
          result["Error"] = std::string(e.What()) + (e.HasDetails() ? std::string(": ") + e.GetDetails() : "");
        }
        catch (std::exception& e)
        {
          result["Error"] = e.what();
        }
        LOG(INFO) << "NIfTI-to-DICOM: sending " << instances.size() << " instances to modality " << name << ": "
                  << (result["Success"].asBool() ? "done" : result["Error"].asString());
        results.append(result);
      }
    }

    for (const std::string& name : sendTo.peers)
    {
      Json::Value result = Result("Peer", name);
      try
      {
        const OrthancPeers peers;
        uint32_t index;
        if (!peers.Lookup(index, name))
        {
          throw ConversionError(ErrorKind::InvalidInput, "no such peer is declared any more");
        }
        SendToPeer(instances, peers, index);
        result["Success"] = true;
      }
      catch (std::exception& e)
      {
        result["Error"] = e.what();
      }
      LOG(INFO) << "NIfTI-to-DICOM: sending " << instances.size() << " instances to peer " << name << ": "
                << (result["Success"].asBool() ? "done" : result["Error"].asString());
      results.append(result);
    }

    return results;
  }
}
