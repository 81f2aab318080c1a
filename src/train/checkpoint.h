// Checkpoints: the whole training state as bytes, so training resumes exactly where it stopped
// (same losses, bit for bit): every parameter (BN moving statistics included), the optimizer's
// kind, options, iteration count and slots, the trainer's step count and generator state, and
// an epoch counter the caller keeps. Loading checks the model's parameter list entry by entry
// and a checksum, so a checkpoint of another model or damaged bytes fail with a clear Status.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "graph/model.h"
#include "train/trainer.h"

namespace nn {

// `trainer` must be compiled and train `model`.
Status save_checkpoint(const Trainer& trainer, const Model& model, int64_t epoch, std::string* bytes);

// Restores a checkpoint into a trainer compiled (with the checkpoint's optimizer kind) for a
// model of the same architecture, e.g. both rebuilt from the same model.json. The optimizer's
// options (learning rate included) come from the checkpoint. Layers frozen or unfrozen since the
// model.json was written (Model::set_trainable) take the checkpoint's trainable flags, so the
// same layers stay frozen; a layer without learned parameters keeps its own flag. Nothing
// changes unless it succeeds.
Status load_checkpoint(std::string_view bytes, Trainer* trainer, Model* model, int64_t* epoch);

}  // namespace nn
