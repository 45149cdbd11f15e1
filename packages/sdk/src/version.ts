// Kept by hand in step with package.json (a JSON import would not run unchanged in every runtime).
export const SDK_VERSION = "0.1.0";
