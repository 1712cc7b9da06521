/** cytoscape-fcose ships no types: it is a Cytoscape extension registered with `cytoscape.use`. */
declare module 'cytoscape-fcose' {
  const register: (cy: typeof import('cytoscape')) => void;
  export default register;
}
