/**
 * The words of a stem shape conflict, for the training plan that meets one while loading data: the
 * check itself runs with the other file checks, shared with the editor (src/shared/language).
 */
export { STEM_SHAPE_FIX, stemShapeConflict } from '../../shared/language/stemShapes';
