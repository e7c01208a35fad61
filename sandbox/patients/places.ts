// Wessex places and GP practices for synthetic demographics. Practice names and ODS-style codes are
// illustrative (not real practices); postcodes use real Wessex districts.
import type { Address } from '../../common/fhir';
import type { Prng } from './prng';

export interface GpPractice {
  ods: string;
  name: string;
  town: string;
  postcode: string;
  county: 'Dorset' | 'Hampshire' | 'Isle of Wight';
}

export const GP_PRACTICES: readonly GpPractice[] = [
  {
    ods: 'J82642',
    name: 'Ringwood Health Centre',
    town: 'Ringwood',
    postcode: 'BH24 1JY',
    county: 'Hampshire',
  },
  { ods: 'J81021', name: 'Wareham Surgery', town: 'Wareham', postcode: 'BH20 4PG', county: 'Dorset' },
  {
    ods: 'J81058',
    name: 'Dorchester Town Practice',
    town: 'Dorchester',
    postcode: 'DT1 1TS',
    county: 'Dorset',
  },
  { ods: 'J81033', name: 'Bridport Medical Centre', town: 'Bridport', postcode: 'DT6 3QZ', county: 'Dorset' },
  {
    ods: 'J81017',
    name: 'Swanage Medical Practice',
    town: 'Swanage',
    postcode: 'BH19 2LL',
    county: 'Dorset',
  },
  {
    ods: 'J82077',
    name: 'Lymington Quay Surgery',
    town: 'Lymington',
    postcode: 'SO41 9AP',
    county: 'Hampshire',
  },
  {
    ods: 'J82121',
    name: 'Winchester Hyde Surgery',
    town: 'Winchester',
    postcode: 'SO23 7DX',
    county: 'Hampshire',
  },
  {
    ods: 'J82150',
    name: 'Portsmouth Southsea Practice',
    town: 'Southsea',
    postcode: 'PO5 3AZ',
    county: 'Hampshire',
  },
  {
    ods: 'J84012',
    name: 'Newport Quay Health Centre',
    town: 'Newport',
    postcode: 'PO30 5TG',
    county: 'Isle of Wight',
  },
  {
    ods: 'J84005',
    name: 'Ryde Esplanade Surgery',
    town: 'Ryde',
    postcode: 'PO33 2EP',
    county: 'Isle of Wight',
  },
];

const STREETS: Record<string, readonly string[]> = {
  Ringwood: ['Christchurch Road', 'Southampton Road', 'Hightown Road', 'Parsonage Barn Lane'],
  Wareham: ['North Street', 'Sandford Road', 'Worgret Road'],
  Dorchester: ['High West Street', 'Prince of Wales Road', 'Monmouth Road'],
  Bridport: ['West Allington', 'Barrack Street', 'St Andrews Road'],
  Swanage: ['Kings Road West', 'Queens Road', 'Ulwell Road'],
  Lymington: ['Southampton Road', 'Milford Road', 'Stanford Hill'],
  Winchester: ['Hyde Street', 'Stockbridge Road', 'Andover Road'],
  Southsea: ['Albert Road', 'Elm Grove', 'Castle Road'],
  Newport: ['Carisbrooke Road', 'Fairlee Road', 'Pyle Street'],
  Ryde: ['Monkton Street', 'West Street', 'Queens Road'],
};

export function practice(ods: string): GpPractice {
  const found = GP_PRACTICES.find((p) => p.ods === ods);
  if (!found) throw new Error(`unknown sandbox practice ${ods}`);
  return found;
}

/** A home address in the practice's town (postcode sector shared with the practice). */
export function homeAddress(rng: Prng, gp: GpPractice): Address {
  const streets = STREETS[gp.town] ?? ['High Street'];
  const outward = gp.postcode.split(' ')[0] ?? gp.postcode;
  const inward = `${rng.int(1, 9)}${rng.pick(['AB', 'DF', 'HJ', 'LN', 'PQ', 'RT', 'UW', 'XY'])}`;
  return {
    use: 'home',
    type: 'both',
    line: [`${rng.int(1, 120)} ${rng.pick(streets)}`],
    city: gp.town,
    district: gp.county,
    postalCode: `${outward} ${inward}`,
    country: 'GB',
  };
}

export const FIRST_NAMES_F = [
  'Margaret',
  'Jean',
  'Susan',
  'Emily',
  'Olivia',
  'Amelia',
  'Patricia',
  'Ruth',
  'Hannah',
];
export const FIRST_NAMES_M = [
  'David',
  'John',
  'Peter',
  'Oliver',
  'George',
  'Harry',
  'Michael',
  'Alan',
  'Thomas',
];
export const SURNAMES = [
  'Hardy',
  'Barnes',
  'Fowles',
  'Cheal',
  'Eldridge',
  'Legg',
  'Pike',
  'Samways',
  'Toms',
  'Hibbs',
];
