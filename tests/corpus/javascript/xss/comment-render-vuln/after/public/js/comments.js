async function loadComments(postId) {
  const response = await fetch(`/api/posts/${encodeURIComponent(postId)}/comments`);
  const comments = await response.json();
  const list = document.getElementById('comments');
  for (const comment of comments) {
    const item = document.createElement('li');
    item.innerHTML = `<strong>${comment.author}</strong>: ${comment.body}`;
    list.appendChild(item);
  }
}

document.addEventListener('DOMContentLoaded', () => loadComments(window.POST_ID));
