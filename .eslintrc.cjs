module.exports = {
  root: true,
  extends: ['eslint-config-salesforce-typescript', 'plugin:sf-plugin/recommended'],
  parserOptions: { project: ['./tsconfig.json', './test/tsconfig.json'] },
  ignorePatterns: ['lib/', 'node_modules/', '*.cjs', 'bin/'],
  rules: {
    // The license header rule wants Salesforce's copyright; this project has its own license.
    header: 'off',
    'class-methods-use-this': 'off',
    // OAuth and REST wire names (grant_type, error_description, refresh_token) are snake_case by protocol.
    camelcase: ['error', { properties: 'never', ignoreDestructuring: true }],
    // Orchestrators that run many independent checks (doctor) read better flat than split for a number.
    complexity: ['error', 40],
    // JwtSetupCommand (src/cli/command.ts) adds no flags; oclif merges SfCommand's baseFlags itself.
    'sf-plugin/spread-base-flags': 'off',
    // Commands extend JwtSetupCommand only to keep stack traces out of --json for user mistakes; the global flags
    // (--json, --flags-dir) are inherited unchanged (checked in test/unit/manifest.test.ts).
    'sf-plugin/only-extend-SfCommand': 'off',
  },
};
