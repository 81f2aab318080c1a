// What the Inspect screen can show in the app's current state, and what to do next: the
// steps (load data, build a model, train), which controls work, and the message to show.
// Pure, so the rules are unit-tested apart from the page.

export interface InspectInputs {
  hasData: boolean;
  hasModel: boolean;
  /** Validation results that belong to the current model and dataset. */
  hasResults: boolean;
  training: boolean;
}

export type InspectStep = 'data' | 'model' | 'train';

export interface InspectGuide {
  steps: Array<{ step: InspectStep; label: string; done: boolean }>;
  /** The first step not done, or null when everything can be shown. */
  next: InspectStep | null;
  message: string;
  /** Picking a class and an image (needs images). */
  canPickImage: boolean;
  /** Feature maps, filters and Grad-CAM (need a model and images). */
  canShowMaps: boolean;
}

export function inspectGuide(s: InspectInputs): InspectGuide {
  const steps = [
    { step: 'data' as const, label: 'Load images (Data screen, or the built-in sample)', done: s.hasData },
    { step: 'model' as const, label: 'Build a model (Model screen)', done: s.hasModel },
    { step: 'train' as const, label: 'Train at least one epoch (Train screen)', done: s.hasResults },
  ];
  const next = steps.find((x) => !x.done)?.step ?? null;
  let message = '';
  if (!s.hasData && !s.hasModel) {
    message =
      'Nothing to inspect yet. First load images, then build a model and train it: its graph, feature maps, filters, ' +
      'Grad-CAM, confusion matrix and misclassified images appear here.';
  } else if (!s.hasData) {
    message = 'The model is built, but there are no images to look at: load images on the Data screen.';
  } else if (!s.hasModel) {
    message = 'Images are loaded: build a model on the Model screen to see its graph, feature maps and filters.';
  } else if (!s.hasResults) {
    message = s.training
      ? 'Training: the confusion matrix and misclassified images appear after the first epoch; feature maps update live.'
      : 'This model has no validation results yet: train at least one epoch for the confusion matrix and misclassified images. ' +
        'Feature maps, filters and Grad-CAM already work (of the untrained network until then).';
  }
  return { steps, next, message, canPickImage: s.hasData, canShowMaps: s.hasData && s.hasModel };
}
