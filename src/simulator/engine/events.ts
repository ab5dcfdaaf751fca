// A minimal typed listener list. The demo accounts report their changes
// through it so the WebSocket half can push private messages; a Node
// EventEmitter would bring string keys and untyped payloads for no gain.

export class Listeners<T> {
  private list: Array<(event: T) => void> = []

  /** True when someone listens: emitters skip building events otherwise. */
  get active (): boolean {
    return this.list.length > 0
  }

  /** Adds a listener; returns its remover. */
  on (listener: (event: T) => void): () => void {
    this.list.push(listener)
    return () => { this.list = this.list.filter(l => l !== listener) }
  }

  emit (event: T): void {
    for (const listener of this.list) listener(event)
  }
}
