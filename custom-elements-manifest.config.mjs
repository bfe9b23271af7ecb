// `npm run manifest` writes custom-elements.json from the elements' JSDoc (@summary, @tagname,
// @fires, @csspart, @cssprop, @slot) and Lit's `static properties`. The manifest test fails when
// the checked-in file differs from a fresh run.

/** Lit's internal reactive state (`_name`) and `#private` members are not API: leave them out. */
const hideInternalState = () => ({
  name: 'hide-internal-state',
  packageLinkPhase({ customElementsManifest }) {
    for (const module of customElementsManifest.modules) {
      for (const declaration of module.declarations ?? []) {
        if (declaration.members) declaration.members = declaration.members.filter((member) => !member.name.startsWith('_') && !member.name.startsWith('#'));
        if (declaration.attributes) declaration.attributes = declaration.attributes.filter((attribute) => !attribute.name.startsWith('_'));
      }
    }
  },
});

/**
 * The analyzer lists modules in the order its glob returns files, which is the file system's and
 * differs between machines (a fresh clone in CI put them in another order than this checkout):
 * sort them so the checked-in file is the same everywhere.
 */
const sortModules = () => ({
  name: 'sort-modules',
  packageLinkPhase({ customElementsManifest }) {
    customElementsManifest.modules.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  },
});

export default {
  globs: ['src/elements/**/*.ts'],
  exclude: ['src/elements/**/*.styles.ts', 'src/elements/shared/**'],
  outdir: '.',
  litelement: true,
  dependencies: false,
  packagejson: false, // package.json's customElements field is set by hand
  plugins: [hideInternalState(), sortModules()],
};
