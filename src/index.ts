/*
 * The package's main module (package.json "main"): the plugin is its commands and hook, which oclif loads from
 * oclif.manifest.json; nothing else is exported.
 */
export default {};
