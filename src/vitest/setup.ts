// Loaded in every test worker by the servebench() plugin: registers the matchers.
import './matchers.ts';
