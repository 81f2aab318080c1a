// The augmentation layers' readers and writers (layers/layer-registry.inc names them). Reads
// the keys Keras 2 and Keras 3 write: mode, factor, height_factor, width_factor, fill_mode,
// interpolation, fill_value, value_range, seed (and rejects channels_first). A Keras factor is a
// number f or a pair: the geometric layers read f as [-|f|, |f|] and sort a pair; RandomContrast
// reads f as lower = upper = f and a pair as (lower, upper). Wrong JSON types are kParseError,
// values that break Keras's rules kInvalidArgument (checked when read, as Keras checks them when
// the layer is made), unknown fill or interpolation modes kUnsupported; every message names the
// layer. Writers give Keras 2's keys (as in the model-b fixtures); TF.js 4.22 has none of these
// classes.
#include <cmath>

#include "io/layer-io.h"

namespace nn {
namespace layer_io {
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

// Keras rejects bad factors when the layer is made; so do we, rather than at build.
Status validated(std::unique_ptr<AugmentationLayer> layer, std::unique_ptr<Layer>* out) {
  NN_RETURN_IF_ERROR(layer->validate());
  *out = std::move(layer);
  return Status::ok();
}

// A Keras factor: f when the range is [-f, f] (how Keras reads a number), else [lo, hi].
JsonValue factor_json(const FactorRange& r) {
  if (r.lo == -r.hi) return float_json(r.hi);
  JsonValue v = JsonValue::make_array();
  v.push_back(float_json(r.lo));
  v.push_back(float_json(r.hi));
  return v;
}

void affine_keys(JsonValue* c, const AffineAugmentation& l, bool has_seed, uint64_t seed) {
  c->set("fill_mode", JsonValue::make_string(fill_mode_name(l.sampling().fill_mode)));
  c->set("fill_value", float_json(l.sampling().fill_value));
  c->set("interpolation", JsonValue::make_string(interpolation_name(l.sampling().interpolation)));
  c->set("seed", seed_json(has_seed, seed));
}

}  // namespace

// ---- RandomFlip
Status read_random_flip(const ConfigReader& config, std::unique_ptr<Layer>* out) {
  const Reader r(config.class_name(), config.config());
  RandomFlipOptions o;
  std::string mode;
  NN_RETURN_IF_ERROR(r.channels_last());
  NN_RETURN_IF_ERROR(r.string("mode", "horizontal_and_vertical", &mode));
  NN_RETURN_IF_ERROR(r.named(parse_flip_mode(mode, &o.mode)));
  NN_RETURN_IF_ERROR(r.seed(&o.has_seed, &o.seed));
  return validated(std::make_unique<RandomFlip>(r.name(), o), out);
}
void write_random_flip(const RandomFlip& l, JsonValue* c) {
  c->set("mode", JsonValue::make_string(flip_mode_name(l.options().mode)));
  c->set("seed", seed_json(l.has_seed(), l.seed()));
}

// ---- RandomRotation
Status read_random_rotation(const ConfigReader& config, std::unique_ptr<Layer>* out) {
  const Reader r(config.class_name(), config.config());
  RandomRotationOptions o;
  bool present;
  NN_RETURN_IF_ERROR(r.range("factor", false, &present, &o.factor));
  NN_RETURN_IF_ERROR(r.affine(&o));
  return validated(std::make_unique<RandomRotation>(r.name(), o), out);
}
void write_random_rotation(const RandomRotation& l, JsonValue* c) {
  c->set("factor", factor_json(l.options().factor));
  affine_keys(c, l, l.has_seed(), l.seed());
}

// ---- RandomZoom
Status read_random_zoom(const ConfigReader& config, std::unique_ptr<Layer>* out) {
  const Reader r(config.class_name(), config.config());
  RandomZoomOptions o;
  bool present;
  NN_RETURN_IF_ERROR(r.range("height_factor", false, &present, &o.height_factor));
  NN_RETURN_IF_ERROR(r.range("width_factor", true, &o.has_width_factor, &o.width_factor));
  NN_RETURN_IF_ERROR(r.affine(&o));
  return validated(std::make_unique<RandomZoom>(r.name(), o), out);
}
void write_random_zoom(const RandomZoom& l, JsonValue* c) {
  c->set("height_factor", factor_json(l.options().height_factor));
  c->set("width_factor", l.options().has_width_factor ? factor_json(l.options().width_factor) : JsonValue());
  affine_keys(c, l, l.has_seed(), l.seed());
}

// ---- RandomTranslation
Status read_random_translation(const ConfigReader& config, std::unique_ptr<Layer>* out) {
  const Reader r(config.class_name(), config.config());
  RandomTranslationOptions o;
  bool present;
  NN_RETURN_IF_ERROR(r.range("height_factor", false, &present, &o.height_factor));
  NN_RETURN_IF_ERROR(r.range("width_factor", false, &present, &o.width_factor));
  NN_RETURN_IF_ERROR(r.affine(&o));
  return validated(std::make_unique<RandomTranslation>(r.name(), o), out);
}
void write_random_translation(const RandomTranslation& l, JsonValue* c) {
  c->set("height_factor", factor_json(l.options().height_factor));
  c->set("width_factor", factor_json(l.options().width_factor));
  affine_keys(c, l, l.has_seed(), l.seed());
}

// ---- RandomContrast
Status read_random_contrast(const ConfigReader& config, std::unique_ptr<Layer>* out) {
  const Reader r(config.class_name(), config.config());
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
  return validated(std::make_unique<RandomContrast>(r.name(), o), out);
}
void write_random_contrast(const RandomContrast& l, JsonValue* c) {
  const RandomContrastOptions& o = l.options();
  if (o.lower == o.upper) {
    c->set("factor", float_json(o.lower));
  } else {
    JsonValue f = JsonValue::make_array();
    f.push_back(float_json(o.lower));
    f.push_back(float_json(o.upper));
    c->set("factor", std::move(f));
  }
  JsonValue range = JsonValue::make_array();  // Keras 3's key; Keras 2 always clips to [0, 255]
  range.push_back(float_json(o.value_low));
  range.push_back(float_json(o.value_high));
  c->set("value_range", std::move(range));
  c->set("seed", seed_json(l.has_seed(), l.seed()));
}

}  // namespace layer_io
}  // namespace nn
