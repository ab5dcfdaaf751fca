// The one Unified Trading Account call current clients make at start-up
// (PROTOCOL §10; not in the Classic spec): ccxt 4.5's loadMarkets asks for
// the account mode whenever keys are set. The demo account is Classic, so
// clients keep to the Classic endpoints the rest of the simulator serves.
import { register } from './routes.js'
import type { RouteTable } from './routes.js'

export function registerUnifiedRoutes (table: RouteTable): void {
  register(table, 'spot', {
    'GET /api/ua/v1/account/mode': () => ({ selfAccountMode: 'CLASSIC', unifiedSubAccount: [], classicSubAccount: [] })
  })
}
