// bob-template: detach
// Removes a bob-managed agent once no executor is busy; a busy agent is left alone and
// reported as busy (callers drain first, then retry until idle or their timeout).
// Parameters arrive only through BOB_PARAMS (base64 of JSON); this file is never edited at run time.
// Prints exactly one line: BOB_RESULT <json>. No top-level return: python-jenkins appends a marker.
import groovy.json.JsonOutput
import groovy.json.JsonSlurper
import jenkins.model.Jenkins

final String BOB_PARAMS = '@@BOB_PARAMS@@'
final String BOB_MARK = 'managed by bob '

def bobRun = { Map p ->
    def jenkins = Jenkins.get()
    def node = jenkins.getNode(p.name)
    if (node == null) {
        return [status: 'absent', name: p.name]
    }
    if (!(node.nodeDescription ?: '').startsWith(BOB_MARK)) {
        return [status: 'not-managed', name: p.name]
    }
    def computer = node.toComputer()
    int busy = computer == null ? 0 : computer.countBusy()
    if (busy > 0) {
        return [status: 'busy', name: p.name, busy_executors: busy]
    }
    jenkins.removeNode(node)
    return [status: 'removed', name: p.name]
}

def bobParams = new JsonSlurper().parseText(new String(BOB_PARAMS.decodeBase64(), 'UTF-8'))
println('BOB_RESULT ' + JsonOutput.toJson(bobRun(bobParams)))
