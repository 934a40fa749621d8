// The product rules of the pzserver contract, from the shared contracts package (plain data).
export { COLUMN_ROLES, PRODUCT_TYPES, REQUIRED_COLUMN_ROLES } from '@pz/contracts/product-rules';
