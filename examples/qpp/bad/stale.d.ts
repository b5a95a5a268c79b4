/** An interface that its plugin (stale.ts) no longer matches: it lost `func_2`. */

declare global {
  interface QppRegistry {
    stale: {
      version: 1;
      functions: {
        func_1: (x: number) => number;
        func_2: () => void;
      };
    };
  }
}

export {};
