import { CustomerEntity } from './customer.entity';

export { CustomerEntity };

/** Every entity of the billing schema. Add new entities here. */
export const allEntities = [CustomerEntity] as const;
