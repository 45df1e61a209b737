import { CreateCustomers1795910175542 } from './1795910175542-create-customers';
import { CreateKeyManagement1795920000000 } from './1795920000000-create-key-management';
import { CreateBilling1795930500000 } from './1795930500000-create-billing';
import { CreateAlerts1795936851377 } from './1795936851377-create-alerts';
import { AddAlertPolicyThresholds1795941382519 } from './1795941382519-add-alert-policy-thresholds';
import { CreateWebhooks1795936120666 } from './1795936120666-create-webhooks';
import { CreatePortalLinks1795937264913 } from './1795937264913-create-portal-links';
import { AddNetworkAlerts1795942368573 } from './1795942368573-add-network-alerts';

/**
 * Every migration, oldest first. Append new ones at the end; never edit or remove one that has
 * been released (see docs/database.md).
 */
export const allMigrations = [
  CreateCustomers1795910175542,
  CreateKeyManagement1795920000000,
  CreateBilling1795930500000,
  CreateWebhooks1795936120666,
  CreateAlerts1795936851377,
  CreatePortalLinks1795937264913,
  AddAlertPolicyThresholds1795941382519,
  AddNetworkAlerts1795942368573,
] as const;
