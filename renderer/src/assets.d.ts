/** Vite (and the benchmark's esbuild) turn an imported .svg into the URL of the emitted file. */
declare module '*.svg' {
  const url: string;
  export default url;
}
