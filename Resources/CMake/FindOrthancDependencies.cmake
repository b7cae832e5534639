# Locates the Debian 12 packages the plugin builds against and gathers them
# into one INTERFACE target, "OrthancDependencies".
#
#   orthanc-dev               -> orthanc/OrthancCPlugin.h (SDK 1.10.1)
#   liborthancframework-dev   -> libOrthancFramework.a (linked statically)
#   libdcmtk-dev              -> DCMTK (pulled in by the framework)
#   libnifti2-dev             -> nifti1.h / nifti2.h / libnifti2 (nifti_clib)
#   libjsoncpp-dev, libboost-*-dev, libpugixml-dev, uuid-dev, zlib1g-dev

find_path(ORTHANC_SDK_INCLUDE_DIR orthanc/OrthancCPlugin.h)
find_path(ORTHANC_FRAMEWORK_INCLUDE_DIR OrthancFramework.h
  PATH_SUFFIXES orthanc-framework)
find_library(ORTHANC_FRAMEWORK_STATIC NAMES libOrthancFramework.a)
find_path(NIFTI_INCLUDE_DIR nifti2_io.h PATH_SUFFIXES nifti)
find_library(NIFTI2_LIBRARY NAMES nifti2)
find_path(JSONCPP_INCLUDE_DIR json/value.h PATH_SUFFIXES jsoncpp)
find_package(ZLIB REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS filesystem thread regex locale iostreams)

foreach (var ORTHANC_SDK_INCLUDE_DIR ORTHANC_FRAMEWORK_INCLUDE_DIR ORTHANC_FRAMEWORK_STATIC
             NIFTI_INCLUDE_DIR NIFTI2_LIBRARY JSONCPP_INCLUDE_DIR)
  if (NOT ${var})
    message(FATAL_ERROR "${var} not found: install the Debian packages with "
      "'bash Resources/Scripts/install-dependencies.sh'")
  endif()
endforeach()

add_library(OrthancDependencies INTERFACE)
target_include_directories(OrthancDependencies SYSTEM INTERFACE
  ${ORTHANC_SDK_INCLUDE_DIR}
  ${ORTHANC_FRAMEWORK_INCLUDE_DIR}
  ${NIFTI_INCLUDE_DIR}
  ${JSONCPP_INCLUDE_DIR})
target_link_libraries(OrthancDependencies INTERFACE
  ${ORTHANC_FRAMEWORK_STATIC}
  dcmnet dcmtls dcmjpls dcmjpeg dcmimage dcmimgle dcmdata oflog ofstd
  ${NIFTI2_LIBRARY}
  jsoncpp pugixml uuid png jpeg
  Boost::filesystem Boost::thread Boost::regex Boost::locale Boost::iostreams
  ZLIB::ZLIB pthread)
