// Re-exports for the security tests' graphql-ws and polling needs.
export { subscriber } from '../graphql/gql.js'
export { until } from '../ws/ws-client.js'
