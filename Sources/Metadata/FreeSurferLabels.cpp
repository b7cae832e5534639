#include "Metadata/FreeSurferLabels.h"

#include <algorithm>

namespace NiftiToDicom
{
  namespace
  {
    // What a FreeSurfer label shows: a SNOMED CT body structure of CID 7140
    // (Brain Structure for Volumetric Measurement) or CID 7153 (CNS
    // Segmentation Type), under its category
    enum class Structure
    {
      Unknown,            // no code checked for it: the generic Tissue, the name says the rest
      CerebralWhiteMatter,
      CerebralCortex,
      LateralVentricle,
      InferiorHorn,
      CerebellarWhiteMatter,
      CerebellarCortex,
      Thalamus,
      Caudate,
      Putamen,
      Pallidum,
      ThirdVentricle,
      FourthVentricle,
      BrainStem,
      Hippocampus,
      Amygdala,
      Csf,
      Accumbens,
      VentralDiencephalon,
      Vessel,
      CavumSeptumPellucidum,
      WhiteMatterHypointensity,
      OpticChiasm,
      CorpusCallosum,
      Insula,
      EntorhinalCortex
    };

    enum class Side
    {
      None,
      Left,
      Right
    };

    struct Entry
    {
      int         index;
      const char* name;
      uint8_t     color[3];
      Structure   structure;
      Side        side;
    };

    // FreeSurferColorLUT: the labels mri_segstats and recon-all write in
    // aseg.mgz (the cortical parcels of aparc+aseg are added below)
    const Entry ASEG[] =
    {
      { 2,   "Left-Cerebral-White-Matter",   { 245, 245, 245 }, Structure::CerebralWhiteMatter, Side::Left },
      { 3,   "Left-Cerebral-Cortex",         { 205, 62, 78 },   Structure::CerebralCortex, Side::Left },
      { 4,   "Left-Lateral-Ventricle",       { 120, 18, 134 },  Structure::LateralVentricle, Side::Left },
      { 5,   "Left-Inf-Lat-Vent",            { 196, 58, 250 },  Structure::InferiorHorn, Side::Left },
      { 7,   "Left-Cerebellum-White-Matter", { 220, 248, 164 }, Structure::CerebellarWhiteMatter, Side::Left },
      { 8,   "Left-Cerebellum-Cortex",       { 230, 148, 34 },  Structure::CerebellarCortex, Side::Left },
      { 10,  "Left-Thalamus",                { 0, 118, 14 },    Structure::Thalamus, Side::Left },
      { 11,  "Left-Caudate",                 { 122, 186, 220 }, Structure::Caudate, Side::Left },
      { 12,  "Left-Putamen",                 { 236, 13, 176 },  Structure::Putamen, Side::Left },
      { 13,  "Left-Pallidum",                { 12, 48, 255 },   Structure::Pallidum, Side::Left },
      { 14,  "3rd-Ventricle",                { 204, 182, 142 }, Structure::ThirdVentricle, Side::None },
      { 15,  "4th-Ventricle",                { 42, 204, 164 },  Structure::FourthVentricle, Side::None },
      { 16,  "Brain-Stem",                   { 119, 159, 176 }, Structure::BrainStem, Side::None },
      { 17,  "Left-Hippocampus",             { 220, 216, 20 },  Structure::Hippocampus, Side::Left },
      { 18,  "Left-Amygdala",                { 103, 255, 255 }, Structure::Amygdala, Side::Left },
      { 24,  "CSF",                          { 60, 60, 60 },    Structure::Csf, Side::None },
      { 26,  "Left-Accumbens-area",          { 255, 165, 0 },   Structure::Accumbens, Side::Left },
      { 28,  "Left-VentralDC",               { 165, 42, 42 },   Structure::VentralDiencephalon, Side::Left },
      { 30,  "Left-vessel",                  { 160, 32, 240 },  Structure::Vessel, Side::Left },
      { 31,  "Left-choroid-plexus",          { 0, 200, 200 },   Structure::Unknown, Side::Left },
      { 41,  "Right-Cerebral-White-Matter",  { 245, 245, 245 },     Structure::CerebralWhiteMatter, Side::Right },
      { 42,  "Right-Cerebral-Cortex",        { 205, 62, 78 },   Structure::CerebralCortex, Side::Right },
      { 43,  "Right-Lateral-Ventricle",      { 120, 18, 134 },  Structure::LateralVentricle, Side::Right },
      { 44,  "Right-Inf-Lat-Vent",           { 196, 58, 250 },  Structure::InferiorHorn, Side::Right },
      { 46,  "Right-Cerebellum-White-Matter", { 220, 248, 164 }, Structure::CerebellarWhiteMatter, Side::Right },
      { 47,  "Right-Cerebellum-Cortex",      { 230, 148, 34 },  Structure::CerebellarCortex, Side::Right },
      { 49,  "Right-Thalamus",               { 0, 118, 14 },    Structure::Thalamus, Side::Right },
      { 50,  "Right-Caudate",                { 122, 186, 220 }, Structure::Caudate, Side::Right },
      { 51,  "Right-Putamen",                { 236, 13, 176 },  Structure::Putamen, Side::Right },
      { 52,  "Right-Pallidum",               { 13, 48, 255 },   Structure::Pallidum, Side::Right },
      { 53,  "Right-Hippocampus",            { 220, 216, 20 },  Structure::Hippocampus, Side::Right },
      { 54,  "Right-Amygdala",               { 103, 255, 255 }, Structure::Amygdala, Side::Right },
      { 58,  "Right-Accumbens-area",         { 255, 165, 0 },   Structure::Accumbens, Side::Right },
      { 60,  "Right-VentralDC",              { 165, 42, 42 },   Structure::VentralDiencephalon, Side::Right },
      { 62,  "Right-vessel",                 { 160, 32, 240 },  Structure::Vessel, Side::Right },
      { 63,  "Right-choroid-plexus",         { 0, 200, 221 },   Structure::Unknown, Side::Right },
      { 72,  "5th-Ventricle",                { 120, 190, 150 }, Structure::CavumSeptumPellucidum, Side::None },
      { 77,  "WM-hypointensities",           { 200, 70, 255 },  Structure::WhiteMatterHypointensity, Side::None },
      { 78,  "Left-WM-hypointensities",      { 255, 148, 10 },  Structure::WhiteMatterHypointensity, Side::Left },
      { 79,  "Right-WM-hypointensities",     { 255, 148, 10 },  Structure::WhiteMatterHypointensity, Side::Right },
      { 80,  "non-WM-hypointensities",       { 164, 108, 226 }, Structure::Unknown, Side::None },
      { 81,  "Left-non-WM-hypointensities",  { 164, 108, 226 }, Structure::Unknown, Side::Left },
      { 82,  "Right-non-WM-hypointensities", { 164, 108, 226 }, Structure::Unknown, Side::Right },
      { 85,  "Optic-Chiasm",                 { 234, 169, 30 },  Structure::OpticChiasm, Side::None },
      { 251, "CC_Posterior",                 { 0, 0, 64 },      Structure::CorpusCallosum, Side::None },
      { 252, "CC_Mid_Posterior",             { 0, 0, 112 },     Structure::CorpusCallosum, Side::None },
      { 253, "CC_Central",                   { 0, 0, 160 },     Structure::CorpusCallosum, Side::None },
      { 254, "CC_Mid_Anterior",              { 0, 0, 208 },     Structure::CorpusCallosum, Side::None },
      { 255, "CC_Anterior",                  { 0, 0, 255 },     Structure::CorpusCallosum, Side::None }
    };

    // The Desikan-Killiany parcels of aparc+aseg: 1000 + i on the left
    // ("ctx-lh-"), 2000 + i on the right ("ctx-rh-"), the same colours
    struct Parcel
    {
      const char* name;
      uint8_t     color[3];
      Structure   structure;
    };

    const Parcel PARCELS[] =
    {
      { "unknown",                  { 25, 5, 25 },     Structure::CerebralCortex },
      { "bankssts",                 { 25, 100, 40 },   Structure::CerebralCortex },
      { "caudalanteriorcingulate",  { 125, 100, 160 }, Structure::CerebralCortex },
      { "caudalmiddlefrontal",      { 100, 25, 0 },    Structure::CerebralCortex },
      { "corpuscallosum",           { 120, 70, 50 },   Structure::CerebralCortex },
      { "cuneus",                   { 220, 20, 100 },  Structure::CerebralCortex },
      { "entorhinal",               { 220, 20, 10 },   Structure::EntorhinalCortex },
      { "fusiform",                 { 180, 220, 140 }, Structure::CerebralCortex },
      { "inferiorparietal",         { 220, 60, 220 },  Structure::CerebralCortex },
      { "inferiortemporal",         { 180, 40, 120 },  Structure::CerebralCortex },
      { "isthmuscingulate",         { 140, 20, 140 },  Structure::CerebralCortex },
      { "lateraloccipital",         { 20, 30, 140 },   Structure::CerebralCortex },
      { "lateralorbitofrontal",     { 35, 75, 50 },    Structure::CerebralCortex },
      { "lingual",                  { 225, 140, 140 }, Structure::CerebralCortex },
      { "medialorbitofrontal",      { 200, 35, 75 },   Structure::CerebralCortex },
      { "middletemporal",           { 160, 100, 50 },  Structure::CerebralCortex },
      { "parahippocampal",          { 20, 220, 60 },   Structure::CerebralCortex },
      { "paracentral",              { 60, 220, 60 },   Structure::CerebralCortex },
      { "parsopercularis",          { 220, 180, 140 }, Structure::CerebralCortex },
      { "parsorbitalis",            { 20, 100, 50 },   Structure::CerebralCortex },
      { "parstriangularis",         { 220, 60, 20 },   Structure::CerebralCortex },
      { "pericalcarine",            { 120, 100, 60 },  Structure::CerebralCortex },
      { "postcentral",              { 220, 20, 20 },   Structure::CerebralCortex },
      { "posteriorcingulate",       { 220, 180, 220 }, Structure::CerebralCortex },
      { "precentral",               { 60, 20, 220 },   Structure::CerebralCortex },
      { "precuneus",                { 160, 140, 180 }, Structure::CerebralCortex },
      { "rostralanteriorcingulate", { 80, 20, 140 },   Structure::CerebralCortex },
      { "rostralmiddlefrontal",     { 75, 50, 125 },   Structure::CerebralCortex },
      { "superiorfrontal",          { 20, 220, 160 },  Structure::CerebralCortex },
      { "superiorparietal",         { 20, 180, 140 },  Structure::CerebralCortex },
      { "superiortemporal",         { 140, 220, 220 }, Structure::CerebralCortex },
      { "supramarginal",            { 80, 160, 20 },   Structure::CerebralCortex },
      { "frontalpole",              { 100, 0, 100 },   Structure::CerebralCortex },
      { "temporalpole",             { 70, 70, 70 },    Structure::CerebralCortex },
      { "transversetemporal",       { 150, 150, 200 }, Structure::CerebralCortex },
      { "insula",                   { 255, 192, 32 },  Structure::Insula }
    };

    const CodedConcept ANATOMICAL_STRUCTURE = { "123037004", "SCT", "Anatomical Structure" };
    const CodedConcept BODY_SUBSTANCE = { "91720002", "SCT", "Body Substance" };
    const CodedConcept ALTERED_STRUCTURE = { "49755003", "SCT", "Morphologically Altered Structure" };

    // Category and type of a structure; false for Unknown
    bool GetCodes(CodedConcept& category, CodedConcept& type, Structure structure)
    {
      category = ANATOMICAL_STRUCTURE;
      switch (structure)
      {
        case Structure::CerebralWhiteMatter:   type = { "68523003", "SCT", "Cerebral white matter" }; return true;
        case Structure::CerebralCortex:        type = { "40146001", "SCT", "Cerebral cortex" }; return true;
        case Structure::LateralVentricle:      type = { "66720007", "SCT", "Lateral ventricle" }; return true;
        case Structure::InferiorHorn:
          type = { "53118009", "SCT", "Inferior horn of lateral ventricle" };
          return true;
        case Structure::CerebellarWhiteMatter: type = { "33060004", "SCT", "Cerebellar white matter" }; return true;
        case Structure::CerebellarCortex:      type = { "25991003", "SCT", "Cerebellar cortex" }; return true;
        case Structure::Thalamus:              type = { "42695009", "SCT", "Thalamus" }; return true;
        case Structure::Caudate:               type = { "11000004", "SCT", "Caudate nucleus" }; return true;
        case Structure::Putamen:               type = { "89278009", "SCT", "Putamen" }; return true;
        case Structure::Pallidum:              type = { "14738005", "SCT", "Globus pallidus" }; return true;
        case Structure::ThirdVentricle:        type = { "49841001", "SCT", "Third ventricle" }; return true;
        case Structure::FourthVentricle:       type = { "35918002", "SCT", "Fourth ventricle" }; return true;
        case Structure::BrainStem:             type = { "119238007", "SCT", "Brain stem" }; return true;
        case Structure::Hippocampus:           type = { "5366008", "SCT", "Hippocampus" }; return true;
        case Structure::Amygdala:              type = { "4958002", "SCT", "Amygdala" }; return true;
        case Structure::Accumbens:             type = { "427667007", "SCT", "Nucleus accumbens" }; return true;
        case Structure::VentralDiencephalon:   type = { "110700", "DCM", "Ventral Diencephalon" }; return true;
        case Structure::Vessel:                type = { "59820001", "SCT", "Blood vessel" }; return true;
        case Structure::CavumSeptumPellucidum:
          type = { "74968005", "SCT", "Cavum of septum pellucidum" };
          return true;
        case Structure::OpticChiasm:           type = { "244453006", "SCT", "Optic chiasm" }; return true;
        case Structure::CorpusCallosum:        type = { "88442005", "SCT", "Corpus callosum" }; return true;
        case Structure::Insula:                type = { "36169008", "SCT", "Insula" }; return true;
        case Structure::EntorhinalCortex:      type = { "3937002", "SCT", "Entorhinal cortex" }; return true;
        case Structure::Csf:
          category = BODY_SUBSTANCE;
          type = { "65216001", "SCT", "Cerebrospinal fluid" };
          return true;
        case Structure::WhiteMatterHypointensity:
          category = ALTERED_STRUCTURE;
          type = { "110701", "DCM", "White Matter T1 Hypointensity" };
          return true;
        default:
          category = CodedConcept();
          return false;
      }
    }


    SegmentLabel MakeLabel(const std::string& name, const uint8_t color[3], Structure structure, Side side)
    {
      SegmentLabel label;
      label.name = name;
      label.hasColor = true;
      std::copy(color, color + 3, label.color);
      if (GetCodes(label.category, label.type, structure) && side != Side::None)
      {
        label.typeModifier = (side == Side::Left) ? CodedConcept{ "7771000", "SCT", "Left" } :
          CodedConcept{ "24028007", "SCT", "Right" };
      }
      return label;
    }


    LabelTable Build()
    {
      LabelTable table;
      table.format = "FreeSurfer";
      for (const Entry& entry : ASEG)
      {
        table.labels[entry.index] = MakeLabel(entry.name, entry.color, entry.structure, entry.side);
      }
      for (size_t i = 0; i < sizeof(PARCELS) / sizeof(PARCELS[0]); i++)
      {
        const Parcel& parcel = PARCELS[i];
        table.labels[1000 + i] = MakeLabel(std::string("ctx-lh-") + parcel.name, parcel.color, parcel.structure,
                                           Side::Left);
        table.labels[2000 + i] = MakeLabel(std::string("ctx-rh-") + parcel.name, parcel.color, parcel.structure,
                                           Side::Right);
      }
      return table;
    }
  }


  const LabelTable& FreeSurferLabels::Get()
  {
    static const LabelTable table = Build();   // thread-safe initialisation (C++11)
    return table;
  }
}
