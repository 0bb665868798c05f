// A new family's id. Time-ordered (UUIDv7): grouping breaks ties by family id, so a tie goes to the older
// family and the same signals in the same order make the same families.
import { v7 as uuidv7 } from 'uuid';

export const newFamilyId = (): string => uuidv7();
