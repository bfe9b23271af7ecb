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

export default {
  globs: ['src/elements/**/*.ts'],
  exclude: ['src/elements/**/*.styles.ts', 'src/elements/shared/**'],
  // The staleness test writes a fresh manifest elsewhere and compares.
  outdir: process.env.CEM_OUTDIR ?? '.',
  litelement: true,
  dependencies: false,
  packagejson: false, // package.json's customElements field is set by hand
  plugins: [hideInternalState()],
};
