import { configure } from '@testing-library/react';

// `findBy…` and `waitFor` give up after 1 s by default. With the web tests running in parallel on
// a 2-core CI machine, a render plus a fake API round trip has taken just over that; the tests wait
// for things that do happen, so a longer limit only matters when they would otherwise flake.
configure({ asyncUtilTimeout: 5_000 });
