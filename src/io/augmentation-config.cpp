// Augmentation layer configs (see augmentation-config.h). A Keras factor is a number f or a
// pair: the geometric layers read f as [-|f|, |f|] and sort a pair; RandomContrast reads f as
// lower = upper = f and a pair as (lower, upper).
#include "io/augmentation-config.h"

#include <cmath>

#include "layers/augmentation.h"

namespace nn {
namespace {

class Reader {
 public:
  Reader(const std::string& class_name, const JsonValue& config) : config_(config) {
    const JsonValue* name = config.find("name");
    name_ = name && name->is_string() ? name->as_string() : std::string();
    who_ = cat(class_name, " '", name_, "'");
  }
  const std::string& name() const { return name_; }
  const std::string& who() const { return who_; }

  // A missing or null entry is absent.
  const JsonValue* get(const char* key) const {
    const JsonValue* v = config_.find(key);
    return v && !v->is_null() ? v : nullptr;
  }
  Status bad(const char* key, const char* what) const { return parse_error(who_, ": config.", key, " must be ", what); }
  // Prefixes a Status from a shared parser (fill mode, flip mode) with the layer's name.
  Status named(const Status& st) const { return st.is_ok() ? st : Status(st.code(), cat(who_, ": ", st.message())); }

  Status number(const char* key, double fallback, float* out) const {
    const JsonValue* v = get(key);
    if (!v) {
      *out = static_cast<float>(fallback);
      return Status::ok();
    }
    if (!v->is_number()) return bad(key, "a number");
    *out = static_cast<float>(v->as_number());
    return Status::ok();
  }
  Status string(const char* key, const char* fallback, std::string* out) const {
    const JsonValue* v = get(key);
    if (!v) {
      *out = fallback;
      return Status::ok();
    }
    if (!v->is_string()) return bad(key, "a string");
    *out = v->as_string();
    return Status::ok();
  }
  Status seed(bool* has_seed, uint64_t* seed) const {
    const JsonValue* v = get("seed");
    *has_seed = v != nullptr;
    *seed = 0;
    if (!v) return Status::ok();
    if (!v->is_number() || v->as_number() != std::floor(v->as_number()) || std::fabs(v->as_number()) > 9.2e18) {
      return bad("seed", "an integer or null");
    }
    *seed = static_cast<uint64_t>(static_cast<int64_t>(v->as_number()));
    return Status::ok();
  }
  // A number or a list of two numbers; *pair tells which. Required unless `optional`.
  Status factor(const char* key, bool optional, bool* present, bool* pair, float* a, float* b) const {
    const JsonValue* v = get(key);
    *present = v != nullptr;
    *pair = false;
    if (!v) return optional ? Status::ok() : bad(key, "a number or a list of 2 numbers (it is missing)");
    if (v->is_number()) {
      *a = *b = static_cast<float>(v->as_number());
      return Status::ok();
    }
    if (!v->is_array() || v->size() != 2 || !(*v)[0].is_number() || !(*v)[1].is_number()) {
      return bad(key, "a number or a list of 2 numbers");
    }
    *pair = true;
    *a = static_cast<float>((*v)[0].as_number());
    *b = static_cast<float>((*v)[1].as_number());
    return Status::ok();
  }
  // The geometric layers' reading: f -> [-|f|, |f|] (Keras checks f itself against [-1, 1],
  // which the layer's check on both ends repeats), a pair sorted.
  Status range(const char* key, bool optional, bool* present, FactorRange* out) const {
    bool pair;
    float a = 0, b = 0;
    NN_RETURN_IF_ERROR(factor(key, optional, present, &pair, &a, &b));
    if (!*present) return Status::ok();
    if (pair)
      *out = FactorRange{std::fmin(a, b), std::fmax(a, b)};
    else
      *out = FactorRange{-std::fabs(a), std::fabs(a)};
    return Status::ok();
  }
  Status channels_last() const {
    std::string s;
    NN_RETURN_IF_ERROR(string("data_format", "channels_last", &s));
    if (s != "channels_last") {
      return unsupported(who_, ": data_format '", s, "' is not supported: convnet-wasm is channels_last (NHWC) only");
    }
    return Status::ok();
  }
  Status affine(AffineAugmentationOptions* o) const {
    NN_RETURN_IF_ERROR(channels_last());
    std::string fill_mode, interpolation;
    NN_RETURN_IF_ERROR(string("fill_mode", "reflect", &fill_mode));
    NN_RETURN_IF_ERROR(named(parse_fill_mode(fill_mode, &o->fill_mode)));
    NN_RETURN_IF_ERROR(string("interpolation", "bilinear", &interpolation));
    NN_RETURN_IF_ERROR(named(parse_interpolation(interpolation, &o->interpolation)));
    NN_RETURN_IF_ERROR(number("fill_value", 0.0, &o->fill_value));
    return seed(&o->has_seed, &o->seed);
  }

 private:
  const JsonValue& config_;
  std::string name_, who_;
};

Status random_flip(const Reader& r, std::unique_ptr<AugmentationLayer>* out) {
  RandomFlipOptions o;
  std::string mode;
  NN_RETURN_IF_ERROR(r.channels_last());
  NN_RETURN_IF_ERROR(r.string("mode", "horizontal_and_vertical", &mode));
  NN_RETURN_IF_ERROR(r.named(parse_flip_mode(mode, &o.mode)));
  NN_RETURN_IF_ERROR(r.seed(&o.has_seed, &o.seed));
  *out = std::make_unique<RandomFlip>(r.name(), o);
  return Status::ok();
}

Status random_rotation(const Reader& r, std::unique_ptr<AugmentationLayer>* out) {
  RandomRotationOptions o;
  bool present;
  NN_RETURN_IF_ERROR(r.range("factor", false, &present, &o.factor));
  NN_RETURN_IF_ERROR(r.affine(&o));
  *out = std::make_unique<RandomRotation>(r.name(), o);
  return Status::ok();
}

Status random_zoom(const Reader& r, std::unique_ptr<AugmentationLayer>* out) {
  RandomZoomOptions o;
  bool present;
  NN_RETURN_IF_ERROR(r.range("height_factor", false, &present, &o.height_factor));
  NN_RETURN_IF_ERROR(r.range("width_factor", true, &o.has_width_factor, &o.width_factor));
  NN_RETURN_IF_ERROR(r.affine(&o));
  *out = std::make_unique<RandomZoom>(r.name(), o);
  return Status::ok();
}

Status random_translation(const Reader& r, std::unique_ptr<AugmentationLayer>* out) {
  RandomTranslationOptions o;
  bool present;
  NN_RETURN_IF_ERROR(r.range("height_factor", false, &present, &o.height_factor));
  NN_RETURN_IF_ERROR(r.range("width_factor", false, &present, &o.width_factor));
  NN_RETURN_IF_ERROR(r.affine(&o));
  *out = std::make_unique<RandomTranslation>(r.name(), o);
  return Status::ok();
}

Status random_contrast(const Reader& r, std::unique_ptr<AugmentationLayer>* out) {
  RandomContrastOptions o;
  bool present, pair;
  NN_RETURN_IF_ERROR(r.channels_last());
  NN_RETURN_IF_ERROR(r.factor("factor", false, &present, &pair, &o.lower, &o.upper));
  // Keras 2 has no value_range and clips to [0, 255]; Keras 3 writes it.
  if (const JsonValue* v = r.get("value_range")) {
    if (!v->is_array() || v->size() != 2 || !(*v)[0].is_number() || !(*v)[1].is_number()) {
      return r.bad("value_range", "a list of 2 numbers [low, high]");
    }
    o.value_low = static_cast<float>((*v)[0].as_number());
    o.value_high = static_cast<float>((*v)[1].as_number());
  }
  NN_RETURN_IF_ERROR(r.seed(&o.has_seed, &o.seed));
  *out = std::make_unique<RandomContrast>(r.name(), o);
  return Status::ok();
}

}  // namespace

Status augmentation_layer_from_config(const std::string& class_name, const JsonValue& config,
                                      std::unique_ptr<Layer>* out, bool* handled) {
  *handled = class_name == "RandomFlip" || class_name == "RandomRotation" || class_name == "RandomZoom" ||
             class_name == "RandomTranslation" || class_name == "RandomContrast";
  if (!*handled) return Status::ok();
  if (!config.is_object()) return parse_error(class_name, " layer: config must be an object");
  Reader r(class_name, config);
  if (r.name().empty()) return parse_error(class_name, " layer: config.name is missing");
  std::unique_ptr<AugmentationLayer> layer;
  if (class_name == "RandomFlip")
    NN_RETURN_IF_ERROR(random_flip(r, &layer));
  else if (class_name == "RandomRotation")
    NN_RETURN_IF_ERROR(random_rotation(r, &layer));
  else if (class_name == "RandomZoom")
    NN_RETURN_IF_ERROR(random_zoom(r, &layer));
  else if (class_name == "RandomTranslation")
    NN_RETURN_IF_ERROR(random_translation(r, &layer));
  else
    NN_RETURN_IF_ERROR(random_contrast(r, &layer));
  // Keras rejects bad factors when the layer is made; so do we, rather than at build.
  NN_RETURN_IF_ERROR(layer->validate());
  *out = std::move(layer);
  return Status::ok();
}

}  // namespace nn
