#include "core/colour.hpp"

#include <lcms2.h>

#include <cstdio>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "core/icc.hpp"
#include "jpegopt/error.hpp"

namespace jpegopt::colour {

namespace {

// The first lcms2 error message of one conversion (the context's user data; nothing global).
struct Log {
  char message[256] = {};
};

void on_lcms_error(cmsContext context, cmsUInt32Number, const char* text) {
  auto* log = static_cast<Log*>(cmsGetContextUserData(context));
  if (log != nullptr && log->message[0] == '\0')
    std::snprintf(log->message, sizeof log->message, "%s", text);
}

// RAII owners of the lcms2 objects of one call.
class Context {
 public:
  explicit Context(Log& log) : handle_(cmsCreateContext(nullptr, &log)) {
    if (handle_ == nullptr) throw Error(ErrorCode::OutOfMemory, "cannot create an lcms2 context");
    cmsSetLogErrorHandlerTHR(handle_, on_lcms_error);
  }
  ~Context() { cmsDeleteContext(handle_); }
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  cmsContext get() const { return handle_; }

 private:
  cmsContext handle_;
};

class Profile {
 public:
  explicit Profile(cmsHPROFILE handle) : handle_(handle) {}
  ~Profile() {
    if (handle_ != nullptr) cmsCloseProfile(handle_);
  }
  Profile(const Profile&) = delete;
  Profile& operator=(const Profile&) = delete;
  cmsHPROFILE get() const { return handle_; }

 private:
  cmsHPROFILE handle_;
};

class ToneCurve {
 public:
  explicit ToneCurve(cmsToneCurve* curve) : curve_(curve) {}
  ~ToneCurve() {
    if (curve_ != nullptr) cmsFreeToneCurve(curve_);
  }
  ToneCurve(const ToneCurve&) = delete;
  ToneCurve& operator=(const ToneCurve&) = delete;
  cmsToneCurve* get() const { return curve_; }

 private:
  cmsToneCurve* curve_;
};

class Transform {
 public:
  explicit Transform(cmsHTRANSFORM handle) : handle_(handle) {}
  ~Transform() {
    if (handle_ != nullptr) cmsDeleteTransform(handle_);
  }
  Transform(const Transform&) = delete;
  Transform& operator=(const Transform&) = delete;
  cmsHTRANSFORM get() const { return handle_; }

 private:
  cmsHTRANSFORM handle_;
};

std::string reason(const Log& log) {
  return log.message[0] != '\0' ? std::string(log.message) : std::string("lcms2 error");
}

const char* space_name(cmsColorSpaceSignature space) {
  switch (space) {
    case cmsSigRgbData:
      return "RGB";
    case cmsSigGrayData:
      return "grey";
    case cmsSigCmykData:
      return "CMYK";
    default:
      return "another colour space";
  }
}

}  // namespace

bool is_srgb_profile(ByteView icc) {
  if (icc.empty()) return true;
  try {
    return icc::describe(icc).is_srgb;
  } catch (const Error&) {
    return false;
  }
}

void to_srgb(Image& image) {
  if (image.icc.empty()) {
    if (image.format == PixelFormat::Cmyk)
      throw Error(ErrorCode::Unsupported,
                  "CMYK without an ICC profile: no conversion to sRGB is defined");
    return;
  }
  if (image.format != PixelFormat::Cmyk && is_srgb_profile(image.icc)) {
    image.icc.clear();  // already sRGB: converting would only add rounding
    return;
  }

  Log log;
  Context context(log);
  const cmsContext ctx = context.get();
  Profile input(cmsOpenProfileFromMemTHR(ctx, image.icc.data(),
                                         static_cast<cmsUInt32Number>(image.icc.size())));
  if (input.get() == nullptr)
    throw Error(ErrorCode::CorruptMetadata, "unreadable ICC profile: " + reason(log));

  const cmsColorSpaceSignature space = cmsGetColorSpace(input.get());
  const PixelFormat expected = space == cmsSigRgbData    ? PixelFormat::Rgb
                               : space == cmsSigGrayData ? PixelFormat::Gray
                                                         : PixelFormat::Cmyk;
  if ((space != cmsSigRgbData && space != cmsSigGrayData && space != cmsSigCmykData) ||
      expected != image.format)
    throw Error(ErrorCode::CorruptMetadata,
                fmt::format("the ICC profile is for {} data but the image has {} channel(s)",
                            space_name(space), image.channels()));

  // Output: sRGB, or for grey a grey profile with the sRGB tone curve (IEC 61966-2-1).
  const cmsFloat64Number srgb_curve[5] = {2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045};
  ToneCurve curve(space == cmsSigGrayData ? cmsBuildParametricToneCurve(ctx, 4, srgb_curve)
                                          : nullptr);
  Profile output(
      space == cmsSigGrayData
          ? (curve.get() ? cmsCreateGrayProfileTHR(ctx, cmsD50_xyY(), curve.get()) : nullptr)
          : cmsCreate_sRGBProfileTHR(ctx));
  if (output.get() == nullptr)
    throw Error(ErrorCode::OutOfMemory, "cannot create the sRGB profile: " + reason(log));

  // libjpeg delivers Adobe CMYK inverted (0 = full ink): lcms2's "reversed" CMYK flavour.
  const cmsUInt32Number in_type = space == cmsSigRgbData    ? TYPE_RGB_8
                                  : space == cmsSigGrayData ? TYPE_GRAY_8
                                                            : TYPE_CMYK_8_REV;
  const cmsUInt32Number out_type = space == cmsSigGrayData ? TYPE_GRAY_8 : TYPE_RGB_8;
  Transform transform(cmsCreateTransformTHR(ctx, input.get(), in_type, output.get(), out_type,
                                            INTENT_RELATIVE_COLORIMETRIC,
                                            cmsFLAGS_BLACKPOINTCOMPENSATION));
  if (transform.get() == nullptr)
    throw Error(ErrorCode::CorruptMetadata,
                "cannot convert from the ICC profile to sRGB: " + reason(log));

  Image out;
  out.width = image.width;
  out.height = image.height;
  out.format = space == cmsSigGrayData ? PixelFormat::Gray : PixelFormat::Rgb;
  out.orientation = image.orientation;
  out.pixels.resize(out.stride() * static_cast<std::size_t>(out.height));
  for (int y = 0; y < image.height; ++y)
    cmsDoTransform(transform.get(), std::as_const(image).row(y), out.row(y),
                   static_cast<cmsUInt32Number>(image.width));
  image = std::move(out);  // icc is now empty: the pixels are sRGB
}

}  // namespace jpegopt::colour
