// Alert rules and the action group. All rules are log alerts on the workspace (AppMetrics: OTel metrics,
// Name = metric name, dimensions in Properties; AppEvents: the PodRouteHealth record). Metric names and
// dimensions come from src/telemetry/catalog.ts; test/infra/telemetry.test.ts checks every query against it.
// Counters arrive as delta sums per export (the Azure Monitor exporter uses delta temporality), so sum(Sum)
// over a window is the count in that window.
param location string
param tags object = {}
param resourceToken string
param workspaceId string
param alertEmail string
@secure()
@description('Webhook receivers as a JSON object {"name": "https://..."} (common alert schema); empty: none.')
param alertWebhooks string = ''
@description('Route tables whose changes by anyone else raise the podroutes-changed-by-others alert.')
param watchedRouteTableIds array
@description('The app identity\'s principal (object) id and client id: its own writes are not alerted on.')
param appPrincipalIds array
param heartbeatWindowMinutes int
param failedRunsThreshold int
param unrepairedDriftThreshold int
param unrepairedDriftWindowMinutes int
param throttledIntervalsThreshold int

var runbook = 'See docs/deploy.md, section "Operate"'
var webhooks = empty(alertWebhooks) ? {} : json(alertWebhooks)

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-podroutes-${resourceToken}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'podroutes'
    enabled: true
    emailReceivers: empty(alertEmail)
      ? []
      : [
          {
            name: 'operator'
            emailAddress: alertEmail
            useCommonAlertSchema: true
          }
        ]
    // Teams (Workflows), Slack, PagerDuty and ticket systems take these (docs/deploy.md, "Alerts to a webhook").
    webhookReceivers: [
      for receiver in items(webhooks): {
        name: receiver.key
        serviceUri: receiver.value
        useCommonAlertSchema: true
      }
    ]
  }
}

// One alert per cluster (dimension Cluster: at most 6,000 time series per rule, FIELD-NOTES §7) for every rule
// but the heartbeat: the timer is one for the whole fleet, and a cluster that never reports has no series.
// Heartbeat (dead man's switch): no run and no health record for 3 reconcile periods. driftReport runs
// (trigger "http") are left out: a frequent health probe must not hide a dead timer.
var heartbeatQuery = '''
union
  (AppMetrics | where Name == "podroutes.reconcile.runs" | where tostring(Properties.trigger) != "http" | project TimeGenerated),
  (AppEvents | where Name == "PodRouteHealth" | where tostring(Properties.trigger) != "http" | project TimeGenerated)
'''

var failedRunsQuery = '''
AppMetrics
| where Name == "podroutes.reconcile.runs"
| where tostring(Properties.result) == "Failed"
| summarize FailedRuns = sum(Sum) by Cluster = tostring(Properties.cluster), Trigger = tostring(Properties.trigger)
'''

var unrepairedDriftQuery = '''
AppMetrics
| where Name == "podroutes.drift.unrepaired"
| summarize Unrepaired = min(Sum), Samples = count() by Cluster = tostring(Properties.cluster), RouteTable = tostring(Properties.route_table)
'''

var refusedQuery = '''
AppMetrics
| where Name == "podroutes.drift.refused"
| summarize Refusals = sum(Sum) by Cluster = tostring(Properties.cluster), Reason = tostring(Properties.reason)
'''

var throttledQuery = '''
AppMetrics
| where Name == "podroutes.arm.throttled"
| where Sum > 0
| summarize ThrottledIntervals = dcount(bin(TimeGenerated, 5m)), Responses = sum(Sum) by Cluster = tostring(Properties.cluster), RouteTable = tostring(Properties.route_table)
'''

// Pod traffic not routed as the table says, on the workers verify checked (VERIFY_SAMPLE_SIZE > 0): a pod CIDR
// shadowed by a more specific route (e.g. learned over BGP) or missing from a NIC's effective routes.
var routesNotInEffectQuery = '''
AppMetrics
| where Name == "podroutes.verify.findings"
| where tostring(Properties.verdict) in ("shadowed", "missing")
| summarize Findings = sum(Sum) by Cluster = tostring(Properties.cluster), RouteTable = tostring(Properties.route_table)
'''

// Someone else changed the route table or its routes: a write or delete in the Activity log (exported to the
// workspace by main.bicep) whose caller is not the app's identity. Who (Caller) and what (Operation, Resource)
// are the alert's dimensions, so they are in its payload. Separate from the drift alert: a change is not
// drift yet (it may be a firewall route, or the app repairs it on the next run).
var otherWritesQueryTemplate = '''
AzureActivity
| where CategoryValue == "Administrative" and ActivityStatusValue =~ "Success"
| where OperationNameValue in~ ("Microsoft.Network/routeTables/write", "Microsoft.Network/routeTables/delete", "Microsoft.Network/routeTables/routes/write", "Microsoft.Network/routeTables/routes/delete")
| extend Table = tolower(tostring(split(_ResourceId, "/routes/")[0]))
| where Table in (dynamic(__TABLE_IDS__))
| where Caller !in~ (dynamic(__APP_PRINCIPALS__))
| summarize Changes = count() by Caller, Operation = OperationNameValue, Resource = _ResourceId
'''
var otherWritesQuery = replace(
  replace(otherWritesQueryTemplate, '__TABLE_IDS__', string(map(watchedRouteTableIds, id => toLower(id)))),
  '__APP_PRINCIPALS__',
  string(appPrincipalIds)
)

var rules = [
  {
    name: 'podroutes-heartbeat'
    displayName: 'Pod routes: no reconcile for ${heartbeatWindowMinutes} minutes'
    description: 'MEANS: no reconcile run and no PodRouteHealth record for ${heartbeatWindowMinutes} minutes (3 periods): the routes are not being checked, so a lost route would stay lost. DO: check the Function app is running and its last deployment succeeded, look for host start-up errors (bad app setting, ConfigError) in Application Insights traces/exceptions, check RECONCILE_SCHEDULE. ${runbook}.'
    severity: 1
    query: heartbeatQuery
    windowMinutes: heartbeatWindowMinutes
    timeAggregation: 'Count'
    metricMeasureColumn: ''
    dimensions: []
    operator: 'LessThan'
    threshold: 1
  }
  {
    name: 'podroutes-reconcile-failed'
    displayName: 'Pod routes: reconcile runs failed'
    description: 'MEANS: at least ${failedRunsThreshold} reconcile run(s) ended with result=Failed in 15 minutes (ARM error, missing permission, invalid configuration): drift is neither detected nor repaired while this lasts. DO: read the error field of the latest PodRouteHealth events; 403 means the role assignment is missing or LinkedAuthorizationFailed on a subnet NSG, 404 a wrong resource name in app settings. ${runbook}.'
    severity: 1
    query: failedRunsQuery
    windowMinutes: 15
    timeAggregation: 'Total'
    metricMeasureColumn: 'FailedRuns'
    dimensions: [
      'Cluster'
      'Trigger'
    ]
    operator: 'GreaterThanOrEqual'
    threshold: failedRunsThreshold
  }
  {
    name: 'podroutes-drift-unrepaired'
    displayName: 'Pod routes: drift left unrepaired'
    description: 'MEANS: every run for ${unrepairedDriftWindowMinutes} minutes left more than ${unrepairedDriftThreshold} drift item(s) in the route table: pods on some workers cannot reach each other. Expected in report mode (REMEDIATION_MODE=report) and with ip-forwarding drift when REPAIR_IP_FORWARDING is off. DO: open the drift report (driftReport function) or run pod-routes plan to see which routes, fix the cause or switch to enforce. ${runbook}.'
    severity: 2
    query: unrepairedDriftQuery
    windowMinutes: unrepairedDriftWindowMinutes
    timeAggregation: 'Minimum'
    metricMeasureColumn: 'Unrepaired'
    dimensions: [
      'Cluster'
      'RouteTable'
    ]
    operator: 'GreaterThan'
    threshold: unrepairedDriftThreshold
  }
  {
    name: 'podroutes-refused'
    displayName: 'Pod routes: a safety rule refused a change'
    description: 'MEANS: a safety rule refused a change in the last 15 minutes (reason dimension: invalid or overlapping pod-cidr tag, foreign route conflict, mass deletion, route limit, worker without NIC/IP...). The function keeps the table as it is for that worker and will not fix it on its own. DO: read the refusals field of the latest PodRouteHealth event, correct the VM tag or the foreign route, or, for a deliberate mass deletion, run pod-routes apply --force. ${runbook}.'
    severity: 2
    query: refusedQuery
    windowMinutes: 15
    timeAggregation: 'Total'
    metricMeasureColumn: 'Refusals'
    dimensions: [
      'Cluster'
      'Reason'
    ]
    operator: 'GreaterThan'
    threshold: 0
  }
  {
    name: 'podroutes-arm-throttled'
    displayName: 'Pod routes: sustained ARM throttling'
    description: 'MEANS: ARM answered 429 in at least ${throttledIntervalsThreshold} of the last six 5-minute intervals: the subscription or principal is near its ARM limits, or another operation keeps the route table busy; repairs are delayed. DO: look for other automation hammering the subscription (Activity log), widen RECONCILE_SCHEDULE, and never add retries that ignore Retry-After. ${runbook}.'
    severity: 3
    query: throttledQuery
    windowMinutes: 30
    timeAggregation: 'Maximum'
    metricMeasureColumn: 'ThrottledIntervals'
    dimensions: [
      'Cluster'
      'RouteTable'
    ]
    operator: 'GreaterThanOrEqual'
    threshold: throttledIntervalsThreshold
  }
  {
    name: 'podroutes-routes-not-in-effect'
    displayName: 'Pod routes: pod traffic shadowed or unroutable on a worker'
    description: 'MEANS: a verify run in the last 2 hours (after a repair, or on VERIFY_SCHEDULE) found a pod CIDR that a worker NIC does not route to its worker: shadowed by a more specific route (often one a VPN/ExpressRoute gateway learned over BGP) or missing from the effective routes; pods on those workers cannot reach each other. Never repaired automatically: a BGP prefix belongs to the network team. DO: read the findings field of the latest PodRouteVerify events or run pod-routes verify; ask the network team to stop advertising the prefix, or set disableBgpRoutePropagation on the route table. ${runbook}.'
    severity: 2
    query: routesNotInEffectQuery
    windowMinutes: 120
    timeAggregation: 'Total'
    metricMeasureColumn: 'Findings'
    dimensions: [
      'Cluster'
      'RouteTable'
    ]
    operator: 'GreaterThan'
    threshold: 0
  }
  {
    name: 'podroutes-changed-by-others'
    displayName: 'Pod routes: route table changed by someone else'
    description: 'MEANS: in the last 5 minutes someone other than the app (Caller dimension: a user, a pipeline, another identity) wrote or deleted the route table or one of its routes (Operation and Resource dimensions). Not drift yet: a foreign route is kept as it is, and a change to one of ours is repaired on the next run. DO: ask the caller why; if it was deliberate and touches a pod route, change the VM pod-cidr tag instead; open the drift report or run pod-routes plan to see the effect. ${runbook}.'
    severity: 3
    query: otherWritesQuery
    windowMinutes: 5
    timeAggregation: 'Total'
    metricMeasureColumn: 'Changes'
    dimensions: [
      'Caller'
      'Operation'
      'Resource'
    ]
    operator: 'GreaterThan'
    threshold: 0
  }
]

resource alertRules 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for rule in rules: {
    name: '${rule.name}-${resourceToken}'
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: rule.displayName
      description: rule.description
      severity: rule.severity
      enabled: true
      scopes: [
        workspaceId
      ]
      evaluationFrequency: 'PT5M'
      windowSize: 'PT${rule.windowMinutes}M'
      autoMitigate: true
      criteria: {
        allOf: [
          {
            query: rule.query
            timeAggregation: rule.timeAggregation
            metricMeasureColumn: empty(rule.metricMeasureColumn) ? null : rule.metricMeasureColumn
            dimensions: [
              for dimension in rule.dimensions: {
                name: dimension
                operator: 'Include'
                values: [
                  '*'
                ]
              }
            ]
            operator: rule.operator
            threshold: rule.threshold
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      actions: {
        actionGroups: [
          actionGroup.id
        ]
      }
    }
  }
]

output actionGroupId string = actionGroup.id
output alertRuleIds array = [for (rule, i) in rules: alertRules[i].id]
