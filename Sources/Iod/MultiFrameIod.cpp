#include "Iod/MultiFrameIod.h"

#include "Common/ConversionError.h"
#include "Dicom/Codes.h"
#include "Dicom/DicomUid.h"
#include "Dicom/DicomValues.h"
#include "Dicom/DicomWriter.h"
#include "Dicom/Modules.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>

namespace NiftiToDicom
{
  namespace
  {
    // Plane Orientation functional group (C.7.6.16.2.4)
    void WriteOrientation(DcmItem& group, const SeriesGeometry& geometry)
    {
      const Vector3& x = geometry.GetRowDirection();
      const Vector3& y = geometry.GetColumnDirection();
      DicomWriter::Put(DicomWriter::AppendItem(group, DCM_PlaneOrientationSequence), DCM_ImageOrientationPatient,
                       DicomValues::FormatDecimals({ x[0], x[1], x[2], y[0], y[1], y[2] }));
    }
  }


  const CodedConcept& MultiFrameIod::GetDerivationCode() const
  {
    return Codes::ImageProcessing();
  }


  std::unique_ptr<FrameLayout> MultiFrameIod::ListFrames(const SeriesPlan& plan) const
  {
    std::unique_ptr<FrameLayout> layout(new FrameLayout);
    layout->frames = FrameLayout::ListAllSlices(plan.GetSliceCount(), plan.GetTimePointCount());
    return layout;
  }


  std::vector<MultiFrameIod::Dimension> MultiFrameIod::GetDimensions(const SeriesPlan& plan) const
  {
    std::vector<Dimension> dimensions;
    dimensions.push_back({ DCM_StackID, DCM_FrameContentSequence, "Stack ID" });
    dimensions.push_back({ DCM_InStackPositionNumber, DCM_FrameContentSequence, "In-Stack Position Number" });
    if (plan.GetTimePointCount() > 1)
    {
      dimensions.push_back({ DCM_TemporalPositionIndex, DCM_FrameContentSequence, "Temporal Position Index" });
    }
    return dimensions;
  }


  std::vector<Uint32> MultiFrameIod::GetDimensionIndexValues(const SeriesPlan& plan, const Frame& frame) const
  {
    std::vector<Uint32> values;
    values.push_back(1);
    values.push_back(static_cast<Uint32>(frame.k + 1));
    if (plan.GetTimePointCount() > 1)
    {
      values.push_back(static_cast<Uint32>(frame.t + 1));
    }
    return values;
  }


  void MultiFrameIod::AddFrameContent(DcmItem& content, const SeriesPlan& plan, const Frame& frame) const
  {
    DicomWriter::Put(content, DCM_StackID, "1");
    content.putAndInsertUint32(DCM_InStackPositionNumber, static_cast<Uint32>(frame.k + 1));
    if (plan.GetTimePointCount() > 1)
    {
      content.putAndInsertUint32(DCM_TemporalPositionIndex, static_cast<Uint32>(frame.t + 1));
    }
  }


  void MultiFrameIod::WriteDimensions(DcmDataset& d, const SeriesPlan& plan) const
  {
    // Multi-frame Dimension module (C.7.6.17)
    const std::string& organization = plan.GetDimensionOrganizationUid();
    DicomWriter::Put(DicomWriter::AppendItem(d, DCM_DimensionOrganizationSequence), DCM_DimensionOrganizationUID,
                     organization);
    DicomWriter::Put(d, DCM_DimensionOrganizationType, plan.GetTimePointCount() > 1 ? "3D_TEMPORAL" : "3D");
    for (const Dimension& dimension : GetDimensions(plan))
    {
      DcmItem& item = DicomWriter::AppendItem(d, DCM_DimensionIndexSequence);
      DicomWriter::Put(item, DCM_DimensionOrganizationUID, organization);
      item.putAndInsertTagKey(DCM_DimensionIndexPointer, dimension.indexPointer);
      item.putAndInsertTagKey(DCM_FunctionalGroupPointer, dimension.groupPointer);
      DicomWriter::Put(item, DCM_DimensionDescriptionLabel, dimension.label);
    }
  }


  void MultiFrameIod::WriteSharedGroups(DcmDataset& d, const SeriesPlan& plan) const
  {
    const SeriesGeometry& geometry = plan.GetGeometry();
    DcmItem& shared = DicomWriter::AppendItem(d, DCM_SharedFunctionalGroupsSequence);

    DcmItem& measures = DicomWriter::AppendItem(shared, DCM_PixelMeasuresSequence);
    DicomWriter::Put(measures, DCM_PixelSpacing, DicomValues::FormatDecimals({ geometry.GetRowSpacing(),
                                                                              geometry.GetColumnSpacing() }));
    DicomWriter::Put(measures, DCM_SliceThickness,
                     DicomValues::FormatDecimal(SidecarPlacement::GetSliceThickness(plan)));
    DicomWriter::Put(measures, DCM_SpacingBetweenSlices, DicomValues::FormatDecimal(geometry.GetSliceSpacing()));

    if (!IsOrientationPerFrame())
    {
      WriteOrientation(shared, geometry);
    }

    AddSharedGroups(shared, plan);
    SidecarPlacement::WriteSharedGroups(shared, d, plan, GetSidecarFamily());

    Modules::WriteDerivationImage(shared, plan, GetDerivationCode());
  }


  void MultiFrameIod::WritePerFrameGroups(DcmDataset& d, const SeriesPlan& plan, const FrameLayout& layout) const
  {
    for (const Frame& frame : layout.frames)
    {
      DcmItem& perFrame = DicomWriter::AppendItem(d, DCM_PerFrameFunctionalGroupsSequence);

      DcmItem& content = DicomWriter::AppendItem(perFrame, DCM_FrameContentSequence);
      const std::vector<Uint32> indices = GetDimensionIndexValues(plan, frame);
      content.putAndInsertUint32Array(DCM_DimensionIndexValues, indices.data(),
                                      static_cast<unsigned long>(indices.size()));
      AddFrameContent(content, plan, frame);

      const Vector3 position = plan.GetGeometry().GetSlicePosition(frame.k);
      DicomWriter::Put(DicomWriter::AppendItem(perFrame, DCM_PlanePositionSequence), DCM_ImagePositionPatient,
                       DicomValues::FormatDecimals({ position[0], position[1], position[2] }));
      if (IsOrientationPerFrame())
      {
        WriteOrientation(perFrame, plan.GetGeometry());
      }

      AddFrameGroups(perFrame, plan, frame);
    }
  }


  void MultiFrameIod::AddPixelData(DcmDataset& d, const SeriesPlan& plan, const FrameLayout& layout) const
  {
    throw ConversionError(ErrorKind::Internal, "This multi-frame IOD writes no Pixel Data element");
  }


  Concatenation MultiFrameIod::GetConcatenation(const SeriesPlan& plan) const
  {
    const uint64_t frameBytes = GetFrameBytes(plan);
    // Only IODs that split list their frames here (a Segmentation's scan of the labels is costly)
    const int64_t frames = frameBytes == 0 ? 1 : static_cast<int64_t>(ListFrames(plan)->frames.size());
    return Concatenation(frames, frameBytes, plan.GetOptions().limits.maximumInstanceBytes, plan.GetSliceCount());
  }


  void MultiFrameIod::WriteConcatenation(DcmDataset& d, const SeriesPlan& plan, const Concatenation& concatenation,
                                         int64_t piece)
  {
    // Multi-frame Functional Groups module (C.7.6.16), Type 1C: the frames of
    // the whole object keep their numbers, "offset + frame in this piece"
    DicomWriter::Put(d, DCM_ConcatenationUID, plan.GetConcatenationUid());
    DicomWriter::Put(d, DCM_SOPInstanceUIDOfConcatenationSource, plan.GetConcatenationSourceUid());
    DicomWriter::PutUint16(d, DCM_InConcatenationNumber, piece + 1);
    DicomWriter::PutUint16(d, DCM_InConcatenationTotalNumber, concatenation.GetPieceCount());
    d.putAndInsertUint32(DCM_ConcatenationFrameOffsetNumber, static_cast<Uint32>(concatenation.GetFirstFrame(piece)));
  }


  void MultiFrameIod::BuildInstance(std::string& file, std::string& scratch, const SeriesPlan& plan,
                                    int64_t index) const
  {
    const std::unique_ptr<FrameLayout> layout = ListFrames(plan);
    const Concatenation concatenation = GetConcatenation(plan);
    if (concatenation.IsSplit())
    {
      // This piece's frames only; the dimension index values stay those of the whole object
      const int64_t first = concatenation.GetFirstFrame(index);
      const int64_t count = concatenation.GetFrameCount(index);
      layout->frames.erase(layout->frames.begin() + first + count, layout->frames.end());
      layout->frames.erase(layout->frames.begin(), layout->frames.begin() + first);
    }

    DcmFileFormat fileFormat;
    DcmDataset& d = *fileFormat.getDataset();

    Modules::WriteSopCommon(d, plan, GetSopClassUid());
    Modules::WriteContributingEquipment(d, plan);
    Modules::WritePatientAndStudy(d, plan);
    Modules::WriteGeneralSeries(d, plan, GetModality(plan));
    Modules::WriteFrameOfReference(d, plan);
    Modules::WriteEnhancedGeneralEquipment(d);
    Modules::WriteImageDerivation(d, plan);
    Modules::WriteCommonInstanceReference(d, plan);

    // Multi-frame Functional Groups and the image size
    DicomWriter::Put(d, DCM_InstanceNumber, std::to_string(index + 1));
    DicomWriter::Put(d, DCM_NumberOfFrames, std::to_string(layout->frames.size()));
    if (concatenation.IsSplit())
    {
      WriteConcatenation(d, plan, concatenation, index);
    }
    DicomWriter::PutUint16(d, DCM_Rows, plan.GetGeometry().GetRows());
    DicomWriter::PutUint16(d, DCM_Columns, plan.GetGeometry().GetColumns());

    AddImageModule(d, plan, *layout);
    SidecarPlacement::WriteTopLevel(d, plan, GetSidecarFamily());
    WriteDimensions(d, plan);
    WriteSharedGroups(d, plan);
    WritePerFrameGroups(d, plan, *layout);

    plan.GetOptions().tags.ApplyTo(d);

    DicomWriter::PixelElement pixels;
    if (GetPixelElement(pixels, plan, *layout))
    {
      DicomWriter::WritePart10(file, fileFormat, pixels, [&](uint8_t* target)
      {
        WritePixels(target, plan, *layout);
      });
    }
    else
    {
      AddPixelData(d, plan, *layout);
      DicomWriter::WritePart10(file, fileFormat);
    }
  }
}
